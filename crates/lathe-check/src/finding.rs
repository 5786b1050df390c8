//! One thing a static check found in a candidate's source.
//!
//! Findings travel to the worker protocol and to `--json` output as
//! `{"rule": "threads", "severity": "reject", "line": 3, "column": 1, "evidence": "..."}`,
//! so the field names and their order are part of the interface.

use lathe_core::{Rule, Severity};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The integrity rule the construct breaks.
    pub rule: Rule,
    /// Whether the finding decides the verdict (`reject`) or only travels with it (`warn`).
    pub severity: Severity,
    /// 1-based line of the construct.
    pub line: usize,
    /// 1-based column, in characters, of the construct.
    pub column: usize,
    /// A short sentence naming the construct and why it matters.
    pub evidence: String,
}
