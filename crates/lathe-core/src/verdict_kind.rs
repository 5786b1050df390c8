//! The closed set of outcomes an evaluated candidate can have, without their payloads.
//!
//! The worker's full verdicts carry evidence (errors, timings, integrity findings); this is the
//! name of each, for places that only need to say which one happened, such as the history of
//! earlier failed attempts shown in a repair prompt.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    Correct,
    Wrong,
    CompileError,
    RuntimeError,
    Timeout,
    Crash,
    Rejected,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Correct => "correct",
            VerdictKind::Wrong => "wrong",
            VerdictKind::CompileError => "compile_error",
            VerdictKind::RuntimeError => "runtime_error",
            VerdictKind::Timeout => "timeout",
            VerdictKind::Crash => "crash",
            VerdictKind::Rejected => "rejected",
        }
    }
}

impl fmt::Display for VerdictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
