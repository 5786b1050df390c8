//! `precision-flags`: no global precision switches.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, lines, triton};

#[test]
fn global_precision_switches_are_rejected() {
    let report = triton(
        r#"
import torch
import torch.backends.cudnn as cudnn

torch.backends.cuda.matmul.allow_tf32 = True
cudnn.allow_tf32 = True
torch.set_float32_matmul_precision("high")
torch.set_default_dtype(torch.float16)
torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = True
setattr(torch.backends.cudnn, "benchmark", True)
with torch.backends.cudnn.flags(enabled=True, allow_tf32=True):
    pass
"#,
    );
    assert_eq!(
        lines(&report, Rule::PrecisionFlags, Severity::Reject),
        [4, 5, 6, 7, 8, 9, 10]
    );
}

#[test]
fn reading_precision_switches_passes() {
    let report = triton(
        r#"
import torch

if torch.backends.cudnn.enabled and torch.backends.cudnn.is_available():
    precision = torch.get_float32_matmul_precision()
tf32 = torch.backends.cuda.matmul.allow_tf32
"#,
    );
    assert_none(&report, Rule::PrecisionFlags);
}
