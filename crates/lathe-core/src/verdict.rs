//! What an evaluation concluded about a candidate: a closed enum, each variant with its evidence.
//! The JSON shape (internally tagged by `kind`) is the worker protocol's
//! (docs/design/worker-protocol.md); unknown extra fields from a newer worker are ignored.

use serde::{Deserialize, Serialize};

use crate::{InterpreterTiming, Rule, VerdictKind};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    Correct(Box<Correct>),
    Wrong(Wrong),
    CompileError {
        message: String,
        #[serde(default)]
        phase: String,
        #[serde(default)]
        traceback_tail: String,
    },
    RuntimeError {
        #[serde(default)]
        exception: String,
        message: String,
        #[serde(default)]
        phase: String,
        #[serde(default)]
        traceback_tail: String,
    },
    Timeout {
        after_seconds: f64,
        /// The last phase the worker reported before it was stopped.
        #[serde(default)]
        phase: Option<String>,
    },
    Crash(Crash),
    Rejected {
        rule: Rule,
        evidence: String,
        /// Found in the source before anything ran.
        #[serde(default, rename = "static")]
        found_statically: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correct {
    #[serde(default)]
    pub trials: Vec<Trial>,
    /// `None` when timing was not measured (`timing_note` says why).
    #[serde(default)]
    pub timing: Option<Timing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing_note: Option<String>,
    /// The interpreted forward's wall time, when a run on Triton's interpreter asked for it.
    /// Never GPU timing: `timing` stays `None` beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter_timing: Option<InterpreterTiming>,
    /// The overrides of the second-shape check, when it ran.
    #[serde(default)]
    pub second_shape: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wrong {
    /// `values`, `shape`, `dtype`, `count` or `nonfinite`.
    pub reason: String,
    /// The failing trials.
    #[serde(default)]
    pub trials: Vec<Trial>,
    #[serde(default)]
    pub phase: String,
}

/// One call of the candidate on one input draw, output by output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    #[serde(default)]
    pub trial: u32,
    #[serde(default)]
    pub seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default)]
    pub outputs: Vec<OutputError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<serde_json::Value>,
}

/// How one output compared with the reference's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputError {
    pub output: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_abs: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rel: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mismatch_fraction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_index: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_at_worst: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got_at_worst: Option<f64>,
    /// How many elements were non-finite where the reference was not (reason `nonfinite`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// For `shape` and `dtype` mismatches: what the reference had and what came back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<serde_json::Value>,
    /// The largest error of PyTorch's own problem-precision result against the float64 one on
    /// this output and these inputs (the error-factor rule's yardstick).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub torch_error: Option<f64>,
    /// `max_abs` over `torch_error`: how many times PyTorch's own error the candidate made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_ratio: Option<f64>,
    /// KernelBench's figure: its atol/rtol against the problem-precision reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernelbench: Option<KernelBenchFigure>,
}

/// How an output fares under KernelBench's own rule, reported beside lathe's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelBenchFigure {
    pub pass: bool,
    #[serde(default)]
    pub max_abs: Option<f64>,
    #[serde(default)]
    pub max_rel: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crash {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_limit_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default)]
    pub stderr_tail: String,
}

/// Timing of a correct candidate, its baselines and the speed-of-light bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub candidate: TimingStats,
    pub eager: TimingStats,
    #[serde(default)]
    pub compile: Option<CompileBaseline>,
    pub speedup_vs_eager: f64,
    #[serde(default)]
    pub speedup_vs_compile: Option<f64>,
    #[serde(default)]
    pub speed_of_light: Option<SpeedOfLight>,
    #[serde(default)]
    pub clocks: Option<serde_json::Value>,
    #[serde(default)]
    pub persisting_l2_reset: Option<bool>,
    #[serde(default)]
    pub l2_flush_bytes: Option<u64>,
    /// The judge's clock against the runner's reported times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_check: Option<TimingCrossCheck>,
}

/// The judge's check of the times the candidate's process reported against its own clock
/// (docs/design/judge.md, "Timing").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingCrossCheck {
    /// The judge's span around a call minus the reported time, for lathe's own code alone.
    pub calibration_overhead_ms: f64,
    #[serde(default)]
    pub calibration_spread_ms: f64,
    /// The same, median over the candidate's timed calls.
    pub overhead_ms: f64,
    /// The most `overhead_ms` may be.
    pub limit_ms: f64,
    #[serde(default)]
    pub span_median_ms: f64,
    /// Timed calls (warm-up included), and how many of them were judged.
    #[serde(default)]
    pub calls: u32,
    #[serde(default)]
    pub judged_calls: u32,
    /// First quartile, median and third quartile of the candidate's per-call overheads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overhead_quartiles_ms: Vec<f64>,
    /// The evidence of each earlier measurement whose overhead broke the limit: the one that
    /// stands was measured after them (a GPU measures twice before it refuses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measured_again_after: Vec<String>,
    /// Under the interpreter: the clocks disagreed, and the judge's own times stand in for the
    /// reported ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disagreed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingStats {
    pub median_ms: f64,
    pub iqr_ms: f64,
    pub min_ms: f64,
    pub mean_ms: f64,
    pub runs: u32,
    #[serde(default)]
    pub raw_ms: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_median_ms: Option<f64>,
    /// Last quarter's median over the first quarter's, minus one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<f64>,
}

/// The torch.compile baseline: timings, or why it could not be had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompileBaseline {
    #[serde(flatten)]
    pub stats: Option<TimingStats>,
    #[serde(default)]
    pub compile_seconds: Option<f64>,
    #[serde(default)]
    pub cached: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedOfLight {
    pub bytes: u64,
    #[serde(default)]
    pub bytes_past_l2: Option<u64>,
    pub copy_gb_s: f64,
    /// The larger of the byte and the flop bound.
    pub bound_ms: f64,
    #[serde(default)]
    pub fraction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byte_bound_ms: Option<f64>,
    /// Matrix-product and convolution flops of one forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flops: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_tflops: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flop_bound_ms: Option<f64>,
}

impl Verdict {
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Correct(_) => VerdictKind::Correct,
            Verdict::Wrong(_) => VerdictKind::Wrong,
            Verdict::CompileError { .. } => VerdictKind::CompileError,
            Verdict::RuntimeError { .. } => VerdictKind::RuntimeError,
            Verdict::Timeout { .. } => VerdictKind::Timeout,
            Verdict::Crash(_) => VerdictKind::Crash,
            Verdict::Rejected { .. } => VerdictKind::Rejected,
        }
    }

    pub fn is_correct(&self) -> bool {
        matches!(self, Verdict::Correct(_))
    }

    /// One line for a person: what happened, with the number that matters most.
    pub fn summary(&self) -> String {
        match self {
            Verdict::Correct(c) => match &c.timing {
                Some(t) => format!(
                    "correct: {:.4} ms, {:.2}x eager{}",
                    t.candidate.median_ms,
                    t.speedup_vs_eager,
                    t.speedup_vs_compile
                        .map(|s| format!(", {s:.2}x torch.compile"))
                        .unwrap_or_default()
                ),
                None => match &c.interpreter_timing {
                    Some(i) => format!(
                        "correct (no GPU timing; {:.2} ms of CPU-interpreter time)",
                        i.candidate_ms.median
                    ),
                    None => "correct (timing not measured)".to_owned(),
                },
            },
            Verdict::Wrong(w) => {
                let worst = w
                    .trials
                    .iter()
                    .flat_map(|t| &t.outputs)
                    .filter_map(|o| o.max_abs)
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
                match worst {
                    Some(abs) => format!("wrong {} (max abs error {abs:.3e})", w.reason),
                    None => format!("wrong {}", w.reason),
                }
            }
            Verdict::CompileError { message, .. } => {
                format!("compile error: {}", first_line(message))
            }
            Verdict::RuntimeError {
                exception, message, ..
            } => format!("runtime error: {exception}: {}", first_line(message)),
            Verdict::Timeout {
                after_seconds,
                phase,
            } => format!(
                "timeout after {after_seconds:.1} s{}",
                phase
                    .as_ref()
                    .map(|p| format!(" (in {p})"))
                    .unwrap_or_default()
            ),
            Verdict::Crash(c) => {
                let cause = c
                    .cuda_error
                    .as_deref()
                    .map(|e| first_line(e).to_owned())
                    .or_else(|| c.signal_name.clone())
                    .or_else(|| {
                        c.memory_limit_bytes
                            .map(|b| format!("memory limit of {b} bytes"))
                    })
                    .or_else(|| c.exit_code.map(|code| format!("exit code {code}")))
                    // A worker that failed while the candidate ran in it: what it said.
                    .or_else(|| {
                        let said = first_line(&c.stderr_tail);
                        (c.phase.as_deref() == Some("worker") && !said.is_empty())
                            .then(|| format!("the worker failed: {said}"))
                    })
                    .unwrap_or_else(|| "unknown cause".to_owned());
                format!("crash: {cause}")
            }
            Verdict::Rejected { rule, evidence, .. } => format!("rejected ({rule}): {evidence}"),
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crash(phase: &str, stderr_tail: &str) -> Verdict {
        Verdict::Crash(Crash {
            signal: None,
            signal_name: None,
            exit_code: None,
            cuda_error: None,
            memory_limit_bytes: None,
            phase: Some(phase.to_owned()),
            stderr_tail: stderr_tail.to_owned(),
        })
    }

    #[test]
    fn a_worker_that_failed_is_summarised_by_what_it_said() {
        let failed = crash(
            "worker",
            "\nthe runner failed: RuntimeError: boom\nTraceback ...",
        );
        assert_eq!(
            failed.summary(),
            "crash: the worker failed: the runner failed: RuntimeError: boom"
        );
        // Elsewhere a stderr tail is the candidate's own output, no cause.
        assert_eq!(
            crash("check", "printed by the kernel").summary(),
            "crash: unknown cause"
        );
    }

    #[test]
    fn a_second_measurement_of_the_timing_is_kept_with_the_first_ones_evidence() {
        // As the worker writes it after a first measurement broke the limit.
        let worker = serde_json::json!({
            "calibration_overhead_ms": 1.78, "calibration_spread_ms": 0.28,
            "overhead_ms": 1.2, "overhead_quartiles_ms": [1.1, 1.2, 1.4], "limit_ms": 2.76,
            "span_median_ms": 2.2, "calls": 300, "judged_calls": 61,
            "measured_again_after": ["2.7754 ms of each call went unreported"],
        });
        let check: TimingCrossCheck = serde_json::from_value(worker.clone()).unwrap();
        assert_eq!(check.measured_again_after.len(), 1);
        assert_eq!(serde_json::to_value(&check).unwrap(), worker);
        // An agreeing check at once says nothing of earlier measurements.
        let plain: TimingCrossCheck = serde_json::from_value(serde_json::json!({
            "calibration_overhead_ms": 1.78, "overhead_ms": 1.2, "limit_ms": 2.76,
        }))
        .unwrap();
        let shown = serde_json::to_value(&plain).unwrap();
        assert!(shown.get("measured_again_after").is_none() && shown.get("disagreed").is_none());
    }
}
