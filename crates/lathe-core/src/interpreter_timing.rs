//! The interpreted forward's wall time: what a CPU-only run can measure under Triton's
//! interpreter (`timing.interpreter` in the worker protocol). It orders kernels by the work the
//! interpreter does (programs launched × work per program) and nothing else, so it is its own
//! type, never a [`crate::Timing`], and offers no speedup.

use serde::{Deserialize, Serialize};

/// The candidate's interpreted forward and the eager reference, timed interleaved on the CPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterpreterTiming {
    /// The candidate's forward, its Triton kernels run by the interpreter.
    pub candidate_ms: InterpreterStats,
    /// The eager PyTorch reference on the CPU (not interpreted: it has no Triton kernels).
    pub reference_ms: InterpreterStats,
    #[serde(default)]
    pub warmup_runs: u32,
    /// The measurement stops once it has taken this long (after at least one timed run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_seconds: Option<f64>,
    /// What the numbers are worth, in the worker's words: never GPU performance.
    pub note: String,
    /// The judge's clock against the reported times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_check: Option<crate::TimingCrossCheck>,
}

/// Statistics of one callable's timed calls, in milliseconds of CPU wall time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterpreterStats {
    pub median: f64,
    #[serde(default)]
    pub iqr: f64,
    pub min: f64,
    pub max: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    pub runs: u32,
    #[serde(default)]
    pub raw: Vec<f64>,
}

impl InterpreterTiming {
    /// The candidate's median over another's: above 1, this one did more interpreter work.
    /// Meaningful only between two candidates timed on the same interpreter and machine.
    pub fn interpreter_ratio(&self, other: &InterpreterTiming) -> Option<f64> {
        (other.candidate_ms.median > 0.0)
            .then(|| self.candidate_ms.median / other.candidate_ms.median)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed(median: f64) -> InterpreterTiming {
        let stats = InterpreterStats {
            median,
            iqr: 0.0,
            min: median,
            max: median,
            mean: None,
            runs: 1,
            raw: vec![median],
        };
        InterpreterTiming {
            candidate_ms: stats.clone(),
            reference_ms: stats,
            warmup_runs: 1,
            budget_seconds: None,
            note: String::new(),
            cross_check: None,
        }
    }

    #[test]
    fn the_ratio_compares_candidates_and_refuses_a_zero() {
        assert_eq!(timed(120.0).interpreter_ratio(&timed(10.0)), Some(12.0));
        assert_eq!(timed(1.0).interpreter_ratio(&timed(0.0)), None);
    }
}
