//! `precision-downcast`: a warning, never a rejection.

use lathe_check::check;
use lathe_core::{Backend, Policy, Rule, Severity};

use crate::support::{assert_none, lines, trim, triton};

const DOWNCASTS: &str = r#"
import torch
import triton
import triton.language as tl


@triton.jit
def k(a_ptr, b_ptr, c_ptr):
    a = tl.load(a_ptr)
    b = tl.load(b_ptr)
    acc = tl.dot(a, b, allow_tf32=True)
    acc2 = tl.dot(a, b, input_precision="tf32")
    tl.store(c_ptr, acc.to(tl.float16))


def forward(x, n):
    y = x.half()
    z = x.to(torch.float16)
    w = x.to(dtype=torch.bfloat16)
    buf = torch.empty(n, device=x.device, dtype=torch.float16)
    with torch.autocast("cuda"):
        v = x.bfloat16()
    k[(1,)](x, y, z)
    return y
"#;

#[test]
fn half_precision_is_a_warning() {
    let report = triton(DOWNCASTS);
    assert_eq!(
        lines(&report, Rule::PrecisionDowncast, Severity::Warn),
        [10, 11, 12, 16, 17, 18, 19, 20, 21]
    );
    assert_eq!(report.rejection(), None);
    let strict = check(trim(DOWNCASTS), Backend::Triton, Policy::Strict);
    assert_eq!(
        lines(&strict, Rule::PrecisionDowncast, Severity::Warn).len(),
        9
    );
}

#[test]
fn full_precision_and_dtype_checks_pass() {
    let report = triton(
        r#"
import torch
import triton.language as tl


def forward(x, acc):
    y = x.to(x.device)
    z = x.to(torch.float32).float()
    if x.dtype == torch.float16:
        pass
    out = torch.empty_like(x, dtype=torch.float32)
    d = tl.dot(x, y, input_precision="ieee", allow_tf32=False)
    return acc.to(tl.float32)
"#,
    );
    assert_none(&report, Rule::PrecisionDowncast);
}
