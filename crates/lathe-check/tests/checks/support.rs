//! Shorthands for running the checks and picking out one rule's findings.

use lathe_check::{CheckReport, Finding, check};
use lathe_core::{Backend, Policy, Rule, Severity};

/// The checks on a Triton candidate under the default policy. A leading newline is dropped, so
/// that `r#"` can sit on its own line and the source's first line is line 1.
pub fn triton(source: &str) -> CheckReport {
    check(trim(source), Backend::Triton, Policy::Default)
}

/// The checks on a CUDA candidate under the default policy.
pub fn cuda(source: &str) -> CheckReport {
    check(trim(source), Backend::Cuda, Policy::Default)
}

pub fn trim(source: &str) -> &str {
    source.strip_prefix('\n').unwrap_or(source)
}

/// A source file under `tests/sources/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/sources/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The findings of one rule.
pub fn of(report: &CheckReport, rule: Rule) -> Vec<&Finding> {
    assert!(
        report.syntax_error.is_none(),
        "test source must parse: {:?}",
        report.syntax_error
    );
    report.findings.iter().filter(|f| f.rule == rule).collect()
}

/// The lines of one rule's findings, asserting they all have `severity`.
pub fn lines(report: &CheckReport, rule: Rule, severity: Severity) -> Vec<usize> {
    of(report, rule)
        .into_iter()
        .map(|finding| {
            assert_eq!(finding.severity, severity, "{finding:?}");
            finding.line
        })
        .collect()
}

/// Asserts that `rule` found nothing, showing what it found otherwise.
pub fn assert_none(report: &CheckReport, rule: Rule) {
    let found = of(report, rule);
    assert!(found.is_empty(), "unexpected {rule} findings: {found:#?}");
}
