//! The search: per stage, an informed first proposal from the profile (the stage's own rules),
//! then coordinate steps over the constants the stage tunes, each variant judged (correctness
//! first, then time) and kept only when it beats the best by more than the stage's margin and
//! the timings' spread. A budget of evaluations and of time bounds the whole search.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use lathe_core::{Speed, Stage, Verdict};
use serde::Serialize;

use crate::space::{allowed, step};
use crate::walk::{Proposal, Walk};
use crate::{Kind, Tunable, rewrite};

/// How much the search may spend; the starting kernel's own evaluation is not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Budget {
    pub evaluations: Option<u32>,
    pub time: Option<Duration>,
}

/// One variant judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trial {
    pub stage: String,
    /// `BLOCK_SIZE 1024 → 2048`.
    pub change: String,
    pub verdict: String,
    pub ms: Option<f64>,
    pub kept: bool,
    /// The rule behind a proposal, or why the variant was kept or not.
    pub why: String,
}

/// What the search came to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tuned {
    /// The source with the kept values: the original where nothing was kept.
    #[serde(skip)]
    pub source: String,
    /// Each changed constant: (name, from, to).
    pub changes: Vec<(String, u64, u64)>,
    pub trials: Vec<Trial>,
    pub best: Speed,
    /// Per stage: what it tuned, or why it tuned nothing.
    pub notes: Vec<String>,
    /// The budget that ended the search early, if one did.
    pub stopped_by: Option<String>,
}

/// What a search starts from.
#[derive(Debug, Clone, Copy)]
pub struct Start<'a> {
    pub source: &'a str,
    pub tunables: &'a [Tunable],
    /// The source as given, judged.
    pub speed: Speed,
    /// The main kernel's profile (metric name → value), for the informed proposals.
    pub metrics: &'a BTreeMap<String, f64>,
}

/// How a search goes: the stages in order, the margin (`None`: each stage's), the budget.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub stages: &'a [&'a Stage],
    pub margin_pct: Option<f64>,
    pub budget: Budget,
}

/// Searches the start's tunables through the plan's stages, calling `judge` on each variant's
/// source with its label (`BLOCK 32 → 64`).
pub fn search<E>(
    start: Start<'_>,
    plan: Plan<'_>,
    judge: &mut dyn FnMut(&str, &str) -> Result<Verdict, E>,
) -> Result<Tuned, E> {
    search_after(start, plan, &HashSet::new(), judge)
}

/// [`search`] after earlier searches of the same run: a variant whose source is in
/// `judged_before` was judged by one of them and is never judged again. It was not kept then
/// (a kept variant became the best's source, which no step proposes), and the best has only
/// become faster since, so it would not be kept now. The loop tunes after each stage, and the
/// stages step the same constants: without this, each stage would judge the previous stage's
/// variants again.
pub fn search_after<E>(
    start: Start<'_>,
    plan: Plan<'_>,
    judged_before: &HashSet<String>,
    judge: &mut dyn FnMut(&str, &str) -> Result<Verdict, E>,
) -> Result<Tuned, E> {
    let Start {
        source,
        tunables,
        speed: start,
        metrics,
    } = start;
    let Plan {
        stages,
        margin_pct,
        budget,
    } = plan;
    let mut walk = Walk::new(source, tunables, start, budget, judged_before, judge);
    let mut notes = Vec::new();
    let mut stopped_by = None;
    'stages: for stage in stages {
        let margin = margin_pct.unwrap_or(stage.margin_pct);
        let scope: Vec<usize> = (0..tunables.len())
            .filter(|&i| !allowed(stage, tunables[i].kind).is_empty())
            .collect();
        if scope.is_empty() {
            notes.push(format!(
                "{}: nothing to tune (the stage tunes {}; the kernel has no such constant)",
                stage.id,
                tuned_kinds(stage)
            ));
            continue;
        }
        let mut proposals: Vec<(usize, u64, String)> =
            informed(stage, tunables, &walk.values, metrics);
        // Coordinate steps follow the proposals: each constant up, then down, while it helps.
        for &i in &scope {
            for up in [true, false] {
                loop {
                    // An informed proposal is tried before any step; a step goes on while it helps.
                    let (index, value, why, stepping) = match proposals.pop() {
                        Some((index, value, why)) => (index, value, why, false),
                        None => {
                            let allowed = allowed(stage, tunables[i].kind);
                            let Some(next) = step(&allowed, tunables[i].kind, walk.values[i], up)
                            else {
                                break;
                            };
                            let why = format!("coordinate step {}", if up { "up" } else { "down" });
                            (i, next, why, true)
                        }
                    };
                    let outcome = walk.try_variant(Proposal {
                        index,
                        value,
                        stage,
                        margin,
                        why,
                    })?;
                    if let Some(spent) = outcome.spent {
                        stopped_by = Some(spent);
                        break 'stages;
                    }
                    if stepping && !outcome.kept {
                        break;
                    }
                }
            }
        }
        let of_stage = walk.trials.iter().filter(|t| t.stage == stage.id);
        let kept = of_stage.clone().filter(|t| t.kept).count();
        notes.push(format!(
            "{}: {} variants judged, {kept} kept",
            stage.id,
            of_stage.count()
        ));
    }
    let changes = walk.changes();
    Ok(Tuned {
        source: rewrite(source, &changes),
        changes: changes
            .iter()
            .map(|(t, v)| (t.name.clone(), t.value, *v))
            .collect(),
        trials: walk.trials,
        best: walk.best,
        notes,
        stopped_by,
    })
}

/// The stage's parameter rules applied to the profile: the seeds' "registers per thread above
/// 128: num_warps = 4". Proposals are tried before any coordinate step.
fn informed(
    stage: &Stage,
    tunables: &[Tunable],
    values: &[u64],
    metrics: &BTreeMap<String, f64>,
) -> Vec<(usize, u64, String)> {
    let mut proposals = Vec::new();
    let registers = metrics.get("launch__registers_per_thread").copied();
    if let Some(registers) = registers
        && registers > 128.0
        && allowed(stage, Kind::NumWarps).contains(&4)
    {
        for (i, t) in tunables.iter().enumerate() {
            if t.kind == Kind::NumWarps && values[i] != 4 {
                proposals.push((
                    i,
                    4,
                    format!(
                        "{registers} registers per thread > 128: num_warps = 4 (the stage's rule)"
                    ),
                ));
            }
        }
    }
    proposals
}

fn tuned_kinds(stage: &Stage) -> String {
    let kinds: Vec<&str> = [Kind::Block, Kind::NumWarps, Kind::NumStages]
        .into_iter()
        .filter(|&k| !allowed(stage, k).is_empty())
        .map(Kind::as_str)
        .collect();
    if kinds.is_empty() {
        "nothing".to_owned()
    } else {
        kinds.join(", ")
    }
}
