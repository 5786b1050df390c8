//! A run with the counts `lathe runs` shows.

use crate::{RunRecord, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub run: RunRecord,
    /// Attempts begun, whatever came of them.
    pub attempts: u32,
    /// Attempts whose verdict is `correct`.
    pub correct: u32,
    /// The current best: the last attempt marked kept (each kept attempt replaced the one
    /// before), `None` until one is.
    pub best: Option<BestAttempt>,
    /// The last time anything of the run was recorded: its newest attempt start or outcome,
    /// stage record or status change.
    pub last_activity: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BestAttempt {
    pub seq: u32,
    /// The candidate's median on the GPU; `None` when it was not timed on one.
    pub candidate_ms: Option<f64>,
    /// The worker's speedup over eager PyTorch, from the verdict's timing.
    pub speedup_vs_eager: Option<f64>,
    /// CPU interpreter time, not GPU performance.
    pub interpreter_ms: Option<f64>,
}
