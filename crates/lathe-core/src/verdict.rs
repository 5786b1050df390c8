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
    pub bound_ms: f64,
    #[serde(default)]
    pub fraction: Option<f64>,
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
