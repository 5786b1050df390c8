//! Where rules put what they find: severities are decided here, from the rule and the policy,
//! so no rule can disagree with the table in docs/design/worker-protocol.md; and the final
//! list is sorted and free of duplicates.

use lathe_core::{Policy, Rule, Severity};
use ruff_text_size::TextRange;

use crate::Finding;
use crate::source_map::SourceMap;

#[derive(Debug)]
pub(crate) struct FindingSink<'m> {
    map: &'m SourceMap<'m>,
    policy: Policy,
    findings: Vec<Finding>,
}

impl<'m> FindingSink<'m> {
    pub(crate) fn new(map: &'m SourceMap<'m>, policy: Policy) -> Self {
        Self {
            map,
            policy,
            findings: Vec::new(),
        }
    }

    /// A finding about one construct: "`{construct}` at line {line}: {why}".
    pub(crate) fn report(&mut self, rule: Rule, at: TextRange, construct: &str, why: &str) {
        let (line, _) = self.map.line_column(at.start());
        self.report_sentence(rule, at, format!("`{construct}` at line {line}: {why}"));
    }

    /// A finding with a sentence of its own (for what is missing rather than present).
    pub(crate) fn report_sentence(&mut self, rule: Rule, at: TextRange, evidence: String) {
        let (line, column) = self.map.line_column(at.start());
        self.findings.push(Finding {
            rule,
            severity: severity(rule, self.policy),
            line,
            column,
            evidence,
        });
    }

    /// The findings by line, column and rule, each once. Two constructs may start at the same
    /// place (`torch.relu(x) @ w`); their evidence tells them apart.
    pub(crate) fn finish(mut self) -> Vec<Finding> {
        self.findings.sort_by(|a, b| {
            (a.line, a.column, a.rule, &a.evidence).cmp(&(b.line, b.column, b.rule, &b.evidence))
        });
        self.findings.dedup();
        self.findings
    }
}

/// How much a static finding of `rule` weighs under `policy`.
pub(crate) fn severity(rule: Rule, policy: Policy) -> Severity {
    match (rule, policy) {
        (Rule::PrecisionDowncast, _) | (Rule::TorchCompute, Policy::Default) => Severity::Warn,
        _ => Severity::Reject,
    }
}
