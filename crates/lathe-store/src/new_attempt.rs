//! What the store is told when an attempt starts: its place in the loop and its prompt.

use lathe_core::AttemptKey;

use crate::AttemptId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    /// The attempt's place in the loop, deterministic across a resume: `seed/s0`,
    /// `seed/s0/repair1`, `stage:memory_access/s2`. Unique within the run's task.
    pub key: AttemptKey,
    /// `seed`, `repair` or a stage id.
    pub stage: String,
    pub round: u32,
    pub sample: u32,
    /// The attempt it repairs, or the best it started from.
    pub parent: Option<AttemptId>,
    /// Exactly as sent to the model.
    pub prompt: String,
}
