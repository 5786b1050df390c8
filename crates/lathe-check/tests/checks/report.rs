//! The report's shape: syntax errors, ordering, duplicates, the rejection, JSON.

use lathe_check::{Finding, check};
use lathe_core::{Backend, Policy, Rule, Severity};

use crate::support::{of, trim, triton};

#[test]
fn syntax_error_has_a_position_and_no_findings() {
    let source = "import threading\n\ndef forward(x:\n    return x\n";
    let report = check(source, Backend::Triton, Policy::Default);
    let error = report.syntax_error.as_ref().expect("a syntax error");
    assert_eq!(error.line, 4);
    assert!(error.column >= 1);
    assert!(!error.message.is_empty());
    assert_eq!(report.findings, []);
    assert_eq!(report.kernels, Vec::<String>::new());
    assert_eq!(report.rejection(), None);
}

#[test]
fn findings_are_sorted_and_the_rejection_is_the_first_reject() {
    let report = triton(
        r#"
import torch
import triton

def forward(x):
    y = x.half()
    import gc
    return y
import threading
"#,
    );
    let found: Vec<(Rule, usize)> = report.findings.iter().map(|f| (f.rule, f.line)).collect();
    assert_eq!(
        found,
        [
            (Rule::NoKernel, 1),
            (Rule::PrecisionDowncast, 5),
            (Rule::Introspection, 6),
            (Rule::Threads, 8),
        ]
    );
    let rejection = report.rejection().expect("a rejection");
    assert_eq!(rejection.rule, Rule::NoKernel);
    let after_warning = triton(
        r#"
import torch
import triton


@triton.jit
def k(x_ptr):
    pass


def forward(x):
    y = torch.ones(3).half()
    import gc
    k[(1,)](y)
"#,
    );
    let severities: Vec<Severity> = after_warning.findings.iter().map(|f| f.severity).collect();
    assert_eq!(severities, [Severity::Warn, Severity::Reject]);
    assert_eq!(
        after_warning.rejection().map(|f| (f.rule, f.line)),
        Some((Rule::Introspection, 12))
    );
}

#[test]
fn one_construct_gives_one_finding_per_rule() {
    // Both `.to(...)` with a half dtype and a `dtype=` keyword: one construct.
    let report = triton("import torch\ny = torch.ones(3).to(dtype=torch.float16)\n");
    assert_eq!(of(&report, Rule::PrecisionDowncast).len(), 1);
}

#[test]
fn findings_serialize_as_the_worker_protocol_expects() {
    let report = triton(trim(
        r#"
import threading
"#,
    ));
    let finding: &Finding = of(&report, Rule::Threads)[0];
    let json = serde_json::to_string(finding).expect("serializes");
    assert_eq!(
        json,
        r#"{"rule":"threads","severity":"reject","line":1,"column":1,"evidence":"`import threading` at line 1: work could finish after the timer stops"}"#
    );
    let warn = triton("import torch\nx = torch.ones(2).half()\n");
    let value = serde_json::to_value(of(&warn, Rule::PrecisionDowncast)[0]).expect("serializes");
    assert_eq!(value["rule"], "precision-downcast");
    assert_eq!(value["severity"], "warn");
    assert_eq!(value["line"], 2);
    assert_eq!(value["column"], 5);
}

#[test]
fn two_constructs_starting_at_one_place_are_both_reported() {
    let report = triton(
        r#"
import torch
import triton


@triton.jit
def k(x_ptr):
    pass


class ModelNew(torch.nn.Module):
    def forward(self, x):
        k[(1,)](x)
        return torch.relu(x) @ x
"#,
    );
    let found: Vec<(usize, usize)> = of(&report, Rule::TorchCompute)
        .iter()
        .map(|f| (f.line, f.column))
        .collect();
    assert_eq!(found, [(13, 16), (13, 16)]);
}
