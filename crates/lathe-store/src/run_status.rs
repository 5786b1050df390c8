//! Where a run stands: stored as `runs.status` plus `runs.status_detail`.

use std::fmt;

use crate::Budget;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// Started and not ended; also what a killed run is left as, until it is resumed.
    Running,
    /// Every stage ran or was skipped.
    Finished,
    /// A budget was spent before the loop ended.
    Stopped { budget: Budget },
    /// The run could not go on (no worker, the model's service unusable...).
    Failed { message: String },
}

impl RunStatus {
    /// The `status` column.
    pub fn name(&self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Stopped { .. } => "stopped",
            RunStatus::Failed { .. } => "failed",
        }
    }

    /// The `status_detail` column: the budget's name or the failure's message.
    pub fn detail(&self) -> Option<&str> {
        match self {
            RunStatus::Running | RunStatus::Finished => None,
            RunStatus::Stopped { budget } => Some(budget.as_str()),
            RunStatus::Failed { message } => Some(message),
        }
    }

    /// Whether the run has ended (it gets a `finished_at`).
    pub fn is_ended(&self) -> bool {
        !matches!(self, RunStatus::Running)
    }

    /// The inverse of [`name`](Self::name) and [`detail`](Self::detail); `Err` says what is
    /// wrong with the pair.
    pub(crate) fn from_columns(status: &str, detail: Option<String>) -> Result<RunStatus, String> {
        match (status, detail) {
            ("running", None) => Ok(RunStatus::Running),
            ("finished", None) => Ok(RunStatus::Finished),
            ("stopped", Some(budget)) => budget
                .parse()
                .map(|budget| RunStatus::Stopped { budget })
                .map_err(|e| e.to_string()),
            ("failed", Some(message)) => Ok(RunStatus::Failed { message }),
            (status, detail) => Err(format!(
                "run status `{status}` with detail {detail:?} is not one this lathe knows"
            )),
        }
    }
}

/// As engine.md writes it: `finished`, `stopped: calls`, `failed: <message>`.
impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail() {
            Some(detail) => write!(f, "{}: {detail}", self.name()),
            None => f.write_str(self.name()),
        }
    }
}
