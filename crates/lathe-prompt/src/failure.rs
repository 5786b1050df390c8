//! What the analyst and repair prompts know about earlier failures.

use lathe_core::VerdictKind;
use serde::{Deserialize, Serialize};

/// One earlier failed attempt at the same kernel, as the repair prompt lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailedAttempt {
    pub verdict: VerdictKind,
    /// One line: the error, or what was changed and why it failed.
    pub summary: String,
}

/// The analyst's three-field diagnosis of a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub critical_issue: String,
    pub why_it_matters: String,
    pub minimal_fix_hint: String,
}
