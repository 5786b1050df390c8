//! Everything the static checks say about one candidate source.

use lathe_core::{Severity, Verdict};
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

    /// The verdict the source earns before anything runs: a compile error where it does not
    /// parse (located in `file`, as people name it), a rejection where a rule refuses it, and
    /// `None` when it must be run to be judged.
    pub fn verdict(&self, file: &str) -> Option<Verdict> {
        if let Some(e) = &self.syntax_error {
            return Some(Verdict::CompileError {
                message: format!("{file} line {} column {}: {}", e.line, e.column, e.message),
                phase: "static".to_owned(),
                traceback_tail: String::new(),
            });
        }
        self.rejection().map(|finding| Verdict::Rejected {
            rule: finding.rule,
            evidence: finding.evidence.clone(),
            found_statically: true,
        })
    }
}
