//! `launch-fallback`: try/except around a launch.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, cuda, lines, triton};

const KERNEL: &str = r#"import torch
import triton


@triton.jit
def k(x_ptr):
    pass


def run(x):
    k[(1,)](x)
    return x
"#;

#[test]
fn try_around_a_direct_launch_is_rejected() {
    let report = triton(&format!(
        "{KERNEL}
def forward(x):
    try:
        k[(1,)](x)
    except Exception:
        return torch.relu(x)
"
    ));
    assert_eq!(lines(&report, Rule::LaunchFallback, Severity::Reject), [15]);
    let evidence = &report
        .findings
        .iter()
        .find(|f| f.rule == Rule::LaunchFallback)
        .unwrap()
        .evidence;
    assert!(evidence.contains("except Exception:"), "{evidence}");
    assert!(evidence.contains("(line 16)"), "{evidence}");
}

#[test]
fn try_around_a_function_that_launches_is_rejected() {
    let report = triton(&format!(
        "{KERNEL}
class ModelNew(torch.nn.Module):
    def _fast(self, x):
        return run(x)

    def forward(self, x):
        try:
            return self._fast(x)
        except:
            pass
        return x
"
    ));
    assert_eq!(lines(&report, Rule::LaunchFallback, Severity::Reject), [19]);
}

#[test]
fn try_around_building_a_cuda_extension_is_rejected() {
    let report = cuda(
        r#"
from torch.utils.cpp_extension import load_inline

try:
    ext = load_inline(name="e", cpp_sources="", cuda_sources="__global__ void k() {}", functions=["f"])
except RuntimeError:
    ext = None
"#,
    );
    assert_eq!(lines(&report, Rule::LaunchFallback, Severity::Reject), [3]);
}

#[test]
fn tries_without_launches_or_without_fallbacks_pass() {
    let report = triton(&format!(
        "{KERNEL}
try:
    import numpy
except ImportError:
    numpy = None


def forward(x):
    try:
        n = int(x.shape[0])
    except (TypeError, ValueError):
        n = 0
    try:
        run(x)
    finally:
        pass
    try:
        run(x)
    except Exception as error:
        raise RuntimeError(\"kernel failed\") from error
    return n
"
    ));
    assert_none(&report, Rule::LaunchFallback);
}

#[test]
fn suppressing_exceptions_around_a_launch_is_rejected() {
    let report = triton(&format!(
        "{KERNEL}
import contextlib


def forward(x):
    with contextlib.suppress(RuntimeError):
        run(x)
    with open(\"log.txt\") as f:
        run(x)
    return x
"
    ));
    assert_eq!(lines(&report, Rule::LaunchFallback, Severity::Reject), [18]);
}
