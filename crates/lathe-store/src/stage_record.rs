//! What became of one stage of a run.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq)]
pub struct StageRecord {
    /// The stage's id in the stage library (`memory_access`).
    pub stage: String,
    pub status: StageStatus,
    /// Why it ran or was skipped: the rule and the numbers it was decided on. Required for a
    /// skipped stage.
    pub reason: Option<String>,
    /// The metrics block its prompts showed, if any.
    pub metrics_block: Option<String>,
    /// The best's time before the stage and after it, ms (interpreter time on the CPU
    /// interpreter).
    pub best_before_ms: Option<f64>,
    pub best_after_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageStatus {
    Ran,
    /// Its skip rule held.
    Skipped,
    /// The run ended (a budget, a failure) before it.
    NotReached,
}

/// A stored stage status this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stage status `{0}`: expected ran, skipped or not_reached")]
pub struct UnknownStageStatus(pub String);

impl StageStatus {
    pub const ALL: [StageStatus; 3] = [
        StageStatus::Ran,
        StageStatus::Skipped,
        StageStatus::NotReached,
    ];

    /// The name in the database (the schema's CHECK lists the same three).
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::Ran => "ran",
            StageStatus::Skipped => "skipped",
            StageStatus::NotReached => "not_reached",
        }
    }
}

impl fmt::Display for StageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StageStatus {
    type Err = UnknownStageStatus;

    fn from_str(text: &str) -> Result<StageStatus, UnknownStageStatus> {
        StageStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownStageStatus(text.to_owned()))
    }
}
