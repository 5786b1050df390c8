//! One search's state as it walks the constants: [`Walk`]. The search decides which variant
//! comes next; the walk judges it (once: a variant met again is skipped), checks the budget,
//! keeps it when it beats the best, and records the trial.

use std::collections::HashSet;
use std::time::Instant;

use lathe_core::{Speed, Stage, Verdict, beats};

use crate::{Budget, Trial, Tunable, rewrite};

/// The search's judge: a variant's source and its label (`BLOCK 32 → 64`) in, its verdict out.
pub(crate) type JudgeFn<'j, E> = dyn FnMut(&str, &str) -> Result<Verdict, E> + 'j;

/// Where a search stands: the values kept so far, the best speed, every trial.
pub(crate) struct Walk<'a, 'j, E> {
    source: &'a str,
    tunables: &'a [Tunable],
    budget: Budget,
    clock: Instant,
    judge: &'j mut JudgeFn<'j, E>,
    /// Variants judged, by this search or the earlier ones of the run: never judged again.
    judged: HashSet<String>,
    /// Each tunable's current value, in the order of `tunables`.
    pub(crate) values: Vec<u64>,
    pub(crate) best: Speed,
    pub(crate) trials: Vec<Trial>,
}

/// One variant to try: the tunable `index` set to `value`, in `stage`, with the gain a keep
/// needs (`margin`), proposed because of `why` (a stage rule, a coordinate step).
pub(crate) struct Proposal<'s> {
    pub(crate) index: usize,
    pub(crate) value: u64,
    pub(crate) stage: &'s Stage,
    pub(crate) margin: f64,
    pub(crate) why: String,
}

/// What came of a proposal.
pub(crate) struct Outcome {
    pub(crate) kept: bool,
    /// The budget found spent before the variant could be judged.
    pub(crate) spent: Option<String>,
}

impl<'a, 'j, E> Walk<'a, 'j, E> {
    pub(crate) fn new(
        source: &'a str,
        tunables: &'a [Tunable],
        start: Speed,
        budget: Budget,
        judged_before: &HashSet<String>,
        judge: &'j mut JudgeFn<'j, E>,
    ) -> Self {
        Walk {
            source,
            tunables,
            budget,
            clock: Instant::now(),
            judge,
            judged: judged_before.clone(),
            values: tunables.iter().map(|t| t.value).collect(),
            best: start,
            trials: Vec::new(),
        }
    }

    /// Judges the proposal's variant, unless it was judged before or the budget is spent, and
    /// keeps it when it beats the best by more than the margin and the spread.
    pub(crate) fn try_variant(&mut self, p: Proposal<'_>) -> Result<Outcome, E> {
        let variant = self.source_with(p.index, p.value);
        if self.judged.contains(&variant) {
            // Judged before and not kept then (a kept variant is the current source, never a
            // step): the best has only improved since, so it would not be kept now.
            return Ok(Outcome {
                kept: false,
                spent: None,
            });
        }
        if let Some(spent) = self.spent() {
            return Ok(Outcome {
                kept: false,
                spent: Some(spent),
            });
        }
        let change = format!(
            "{} {} → {}",
            self.tunables[p.index].name, self.values[p.index], p.value
        );
        let verdict = (self.judge)(&variant, &change)?;
        self.judged.insert(variant);
        let speed = Speed::of(&verdict);
        let (kept, reason) = match speed {
            Some(speed) => match beats(speed, self.best, p.margin) {
                Ok(gain) => (true, format!("{}: {gain:.1}% faster", p.why)),
                Err(reason) => (false, format!("{}: {reason}", p.why)),
            },
            None => (false, format!("{}: {}", p.why, verdict.summary())),
        };
        if let (true, Some(speed)) = (kept, speed) {
            self.values[p.index] = p.value;
            self.best = speed;
        }
        self.trials.push(Trial {
            stage: p.stage.id.clone(),
            change,
            verdict: verdict.kind().as_str().to_owned(),
            ms: speed.map(|s| s.ms),
            kept,
            why: reason,
        });
        Ok(Outcome { kept, spent: None })
    }

    /// The budget that is spent, by its limit, if one is.
    fn spent(&self) -> Option<String> {
        if let Some(max) = self.budget.evaluations
            && self.trials.len() as u32 >= max
        {
            return Some(format!("{max} evaluations"));
        }
        match self.budget.time {
            Some(max) if self.clock.elapsed() >= max => Some(format!("{:.0} s", max.as_secs_f64())),
            _ => None,
        }
    }

    /// The changed constants: (tunable, its kept value).
    pub(crate) fn changes(&self) -> Vec<(&'a Tunable, u64)> {
        self.tunables
            .iter()
            .zip(&self.values)
            .filter(|(t, v)| t.value != **v)
            .map(|(t, v)| (t, *v))
            .collect()
    }

    /// The source with the current values, and the tunable `index` set to `value`.
    fn source_with(&self, index: usize, value: u64) -> String {
        let mut values = self.values.clone();
        values[index] = value;
        let changes: Vec<(&Tunable, u64)> = self
            .tunables
            .iter()
            .zip(&values)
            .filter(|(t, v)| t.value != **v)
            .map(|(t, v)| (t, *v))
            .collect();
        rewrite(self.source, &changes)
    }
}
