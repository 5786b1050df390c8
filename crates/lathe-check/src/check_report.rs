//! Everything the static checks say about one candidate source.

use lathe_core::Severity;
use serde::Serialize;

use crate::{Finding, SyntaxError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Set when the source does not parse; `findings` and `kernels` are then empty.
    pub syntax_error: Option<SyntaxError>,
    /// Findings sorted by line, then column; at most one per rule and construct.
    pub findings: Vec<Finding>,
    /// The candidate's kernel names, in source order (see [`crate::kernel_names`]).
    pub kernels: Vec<String>,
}

impl CheckReport {
    /// The finding that decides the verdict: the first one whose severity is `reject`.
    pub fn rejection(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|finding| finding.severity == Severity::Reject)
    }
}
