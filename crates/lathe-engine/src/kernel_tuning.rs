//! `lathe tune`'s work, outside the loop: a kernel's launch constants found, the kernel as given
//! judged, then `lathe_tune`'s search with every variant judged by the same [`Judge`] as the
//! loop's candidates. The command only resolves settings and renders what this returns.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lathe_core::{Backend, Speed, Verdict};
use lathe_store::Evaluation;
use lathe_tune::{Plan, Start, Tunable, Tuned, Unparsable, find_tunables, search};

use crate::EngineError;
use crate::judge::{Candidate, Judge, file_name};

/// The kernel to tune.
#[derive(Debug, Clone, Copy)]
pub struct KernelToTune<'a> {
    pub problem: &'a Path,
    pub source: &'a str,
    pub backend: Backend,
    /// Where each judged source is written for the worker to load (`000.py`, `001.py`...): the
    /// kernel as given first, then the variants. Made when there is something to judge. An
    /// absolute path: the worker runs in a directory of its own.
    pub scratch: &'a Path,
}

/// How a tuning ended.
#[derive(Debug, Clone)]
pub enum TuningEnd {
    /// The source has no launch constants written as numbers: it is left as it is.
    NothingToTune,
    /// The kernel as given is not correct, or was not timed: there is no speed to beat.
    NotCorrect { verdict: Verdict },
    /// The search ran; `tuned.source` is the kernel with the kept constants.
    Tuned {
        tunables: Vec<Tunable>,
        start: Speed,
        tuned: Tuned,
    },
}

/// Why a tuning could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum TuningError {
    /// The kernel does not parse, so its constants cannot be found.
    #[error("the kernel does not parse: {}", .0.message)]
    Unparsable(Unparsable),
    /// Judging failed for the caller's reasons (no worker, an unusable problem file), or a
    /// judged source could not be written.
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Tunes `kernel` through `plan`'s stages. `metrics` is asked once the kernel as given is known
/// correct (the stage rules read the profile of its main kernel; an empty map: none). `judged`
/// hears each judging as it ends: what was judged (`the kernel as given`, `BLOCK 32 → 64`), its
/// evaluation and how long it took.
pub fn tune_kernel(
    judge: &dyn Judge,
    kernel: KernelToTune<'_>,
    plan: Plan<'_>,
    metrics: impl FnOnce() -> BTreeMap<String, f64>,
    judged: &mut dyn FnMut(&str, &Evaluation, Duration),
) -> Result<TuningEnd, TuningError> {
    let tunables = find_tunables(kernel.source).map_err(TuningError::Unparsable)?;
    if tunables.is_empty() {
        return Ok(TuningEnd::NothingToTune);
    }
    std::fs::create_dir_all(kernel.scratch).map_err(EngineError::io(kernel.scratch))?;
    let mut count = 0;
    let mut judge_source = |text: &str, label: &str| -> Result<Verdict, EngineError> {
        let path = kernel.scratch.join(format!("{count:03}.py"));
        count += 1;
        std::fs::write(&path, text).map_err(EngineError::io(&path))?;
        let started = Instant::now();
        let name = file_name(&path);
        let candidate = Candidate {
            problem: kernel.problem,
            backend: kernel.backend,
            source: text,
            path: &path,
            name: &name,
        };
        let evaluation = judge.judge(&candidate, &mut |_| {})?.evaluation;
        judged(label, &evaluation, started.elapsed());
        Ok(evaluation.verdict)
    };
    let verdict = judge_source(kernel.source, "the kernel as given")?;
    let Some(start) = Speed::of(&verdict) else {
        return Ok(TuningEnd::NotCorrect { verdict });
    };
    let metrics = metrics();
    let tuned = search(
        Start {
            source: kernel.source,
            tunables: &tunables,
            speed: start,
            metrics: &metrics,
        },
        plan,
        &mut judge_source,
    )?;
    Ok(TuningEnd::Tuned {
        tunables,
        start,
        tuned,
    })
}
