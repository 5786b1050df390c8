//! An attempt's evaluation as the store keeps it: the second of its two commits.

use lathe_core::{Timing, Verdict};

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The worker's verdict, stored whole as JSON; its kind and timings are also columns.
    pub verdict: Verdict,
    /// Wall time of the evaluation (worker round trip), seconds.
    pub eval_seconds: f64,
    /// Under `--device interpret`: the interpreted forward's wall time. CPU interpreter time,
    /// not GPU performance (engine.md, "Timing on the CPU interpreter"); `None` on a GPU.
    pub interpreter_ms: Option<f64>,
}

impl Evaluation {
    /// The verdict's timing: a correct verdict that was timed.
    pub fn timing(&self) -> Option<&Timing> {
        match &self.verdict {
            Verdict::Correct(correct) => correct.timing.as_ref(),
            _ => None,
        }
    }

    /// The candidate's median, ms.
    pub fn candidate_ms(&self) -> Option<f64> {
        self.timing().map(|t| t.candidate.median_ms)
    }

    /// Eager PyTorch's median, ms.
    pub fn eager_ms(&self) -> Option<f64> {
        self.timing().map(|t| t.eager.median_ms)
    }

    /// torch.compile's median, ms, when that baseline could be had.
    pub fn compile_ms(&self) -> Option<f64> {
        self.timing()
            .and_then(|t| t.compile.as_ref())
            .and_then(|c| c.stats.as_ref())
            .map(|s| s.median_ms)
    }

    /// The candidate's own spread: its timing's IQR as a percentage of its median. Keeping the
    /// best compares against the larger of the candidate's and the best's (engine.md).
    pub fn spread_pct(&self) -> Option<f64> {
        self.timing()
            .map(|t| &t.candidate)
            .filter(|c| c.median_ms > 0.0)
            .map(|c| c.iqr_ms / c.median_ms * 100.0)
    }
}
