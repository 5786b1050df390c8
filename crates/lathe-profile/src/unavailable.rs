//! Why no metrics could be collected: [`ProfileUnavailable`]. The prompt then takes its
//! no-metrics form and the reason is logged; nothing here ever escalates privileges.

use std::path::PathBuf;

use serde::Serialize;

use crate::known_metrics::UnknownMetric;

/// Profiling failed for a reason that leaves the optimization able to go on without metrics.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("no Nsight Compute metrics: {reason}")]
pub struct ProfileUnavailable {
    pub reason: UnavailableReason,
}

#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UnavailableReason {
    #[error("ncu was not found ({searched})")]
    NcuNotFound { searched: String },
    #[error("{} does not run: {detail}", ncu.display())]
    NcuUnusable { ncu: PathBuf, detail: String },
    #[error("this user may not read the GPU's performance counters (ERR_NVGPUCTRPERM): {message}")]
    NoPermission { message: String },
    #[error("profiling took longer than {after_seconds:.0} s{}", phase_suffix(.phase))]
    TimedOut {
        after_seconds: f64,
        phase: Option<String>,
    },
    #[error("the candidate failed under the profiler: {verdict}")]
    CandidateFailed { verdict: String },
    #[error("the problem cannot be profiled: {message}")]
    ProblemError { message: String },
    #[error("{message}")]
    Environment { message: String },
    #[error("ncu failed{}: {}", exit_suffix(*.exit_code), messages_text(.messages))]
    NcuFailed {
        exit_code: Option<i32>,
        messages: Vec<String>,
    },
    #[error("ncu captured no kernel launch in the profiled forward: {}", messages_text(.messages))]
    NothingCaptured { messages: Vec<String> },
    #[error(
        "none of the candidate's kernels ({}) ran in the profiled forward ({captured} other launches captured)",
        expected.join(", ")
    )]
    NoOwnKernels {
        expected: Vec<String>,
        captured: usize,
    },
    #[error("no requested metric is known to this ncu on this GPU: {}", unknown_text(.unknown))]
    NoKnownMetrics { unknown: Vec<UnknownMetric> },
}

impl UnavailableReason {
    /// What to do about it, when something can be done.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            UnavailableReason::NcuNotFound { .. } | UnavailableReason::NcuUnusable { .. } => {
                "install Nsight Compute, or name it with --ncu, LATHE_NCU or profile.ncu"
            }
            UnavailableReason::NoPermission { .. } => {
                "an administrator can allow every user to read the counters (NVreg_RestrictProfilingToAdminUsers=0, see https://developer.nvidia.com/ERR_NVGPUCTRPERM); lathe never runs ncu with sudo"
            }
            UnavailableReason::TimedOut { .. } => {
                "raise the limit with --profile-timeout, LATHE_PROFILE_TIMEOUT or profile.timeout_seconds"
            }
            UnavailableReason::CandidateFailed { .. } => {
                "`lathe eval` judges the candidate and shows why it fails"
            }
            UnavailableReason::NoOwnKernels { .. } => {
                "the candidate's forward must launch the kernels its source defines"
            }
            UnavailableReason::NoKnownMetrics { .. } => {
                "metric names are Nsight Compute's full names (`ncu --query-metrics --query-metrics-mode suffix`); `lathe stages` lists each stage's"
            }
            UnavailableReason::ProblemError { .. } => {
                "the problem must define `Model`, `get_inputs()` and `get_init_inputs()`"
            }
            UnavailableReason::Environment { .. }
            | UnavailableReason::NcuFailed { .. }
            | UnavailableReason::NothingCaptured { .. } => return None,
        })
    }
}

fn phase_suffix(phase: &Option<String>) -> String {
    phase
        .as_deref()
        .map(|p| format!(" (in phase {p})"))
        .unwrap_or_default()
}

fn exit_suffix(code: Option<i32>) -> String {
    code.map(|c| format!(" with exit code {c}"))
        .unwrap_or_default()
}

fn unknown_text(unknown: &[UnknownMetric]) -> String {
    let names: Vec<String> = unknown
        .iter()
        .map(|u| match &u.suggestion {
            Some(s) => format!("`{}` (did you mean `{s}`?)", u.metric),
            None => format!("`{}`", u.metric),
        })
        .collect();
    names.join(", ")
}

fn messages_text(messages: &[String]) -> String {
    if messages.is_empty() {
        "it printed no message".to_owned()
    } else {
        messages.join(" | ")
    }
}

impl ProfileUnavailable {
    /// The reason in one line, with what to do about it where there is something to do.
    pub fn with_hint(&self) -> String {
        match self.reason.hint() {
            Some(hint) => format!("{self} (hint: {hint})"),
            None => self.to_string(),
        }
    }
}

impl From<UnavailableReason> for ProfileUnavailable {
    fn from(reason: UnavailableReason) -> Self {
        ProfileUnavailable { reason }
    }
}
