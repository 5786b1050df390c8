//! `torch-compute`: PyTorch doing the work in forward; a warning by default, refused under
//! the strict policy.

use lathe_check::check;
use lathe_core::{Backend, Policy, Rule, Severity};

use crate::support::{assert_none, lines, trim, triton};

const COMPUTE: &str = r#"
import torch
import torch.nn.functional as F
import triton
from torch import nn


@triton.jit
def k(x_ptr):
    y = tl.exp(tl.load(x_ptr))


def helper(x):
    return torch.relu(x)


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.mlp = nn.Sequential(nn.Linear(8, 8), nn.GELU())
        self.weight = nn.Parameter(torch.randn(8, 8))

    def forward(self, x):
        y = torch.matmul(x, self.weight)
        y = F.softmax(y, dim=-1)
        y = y @ self.weight
        y = self.conv(y)
        y = self.mlp(y)
        y = y.softmax(-1)
        k[(1,)](y)
        return helper(y)
"#;

#[test]
fn compute_in_forward_warns_under_default_and_is_rejected_under_strict() {
    let expected = [13, 24, 25, 26, 27, 28, 29];
    let default = check(trim(COMPUTE), Backend::Triton, Policy::Default);
    assert_eq!(
        lines(&default, Rule::TorchCompute, Severity::Warn),
        expected
    );
    assert_eq!(default.rejection(), None);

    let strict = check(trim(COMPUTE), Backend::Triton, Policy::Strict);
    assert_eq!(
        lines(&strict, Rule::TorchCompute, Severity::Reject),
        expected
    );
    assert_eq!(strict.rejection().map(|f| f.rule), Some(Rule::TorchCompute));
    let helper = strict.findings.iter().find(|f| f.line == 13).unwrap();
    assert!(
        helper.evidence.contains("in `helper`"),
        "{}",
        helper.evidence
    );
}

#[test]
fn allocation_views_setup_and_unused_code_pass() {
    let report = triton(
        r#"
import torch
import triton
from torch import nn


@triton.jit
def k(x_ptr):
    pass


class Model(nn.Module):
    def forward(self, x):
        return torch.softmax(x, dim=-1)


def reference(x):
    return torch.matmul(x, x)


class ModelNew(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n, n))
        nn.init.kaiming_uniform_(self.weight)
        self.scale = torch.ones(n).sum()

    def forward(self, x):
        out = torch.empty_like(x)
        tmp = torch.zeros(x.shape[0], device=x.device)
        buf = torch.empty((4, 4), device=x.device)
        x = x.view(-1).reshape(x.shape).contiguous().permute(0, 1)
        strides = x.stride(), x.size(), x.shape
        x = x.to(x.device)
        k[(triton.cdiv(x.numel(), 1024),)](x)
        return out
"#,
    );
    assert_none(&report, Rule::TorchCompute);
}

#[test]
fn containers_of_compute_modules_compute_when_indexed() {
    let report = triton(
        r#"
import torch
import triton
from torch import nn


@triton.jit
def k(x_ptr):
    pass


class ModelNew(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        self.names = nn.ModuleList([nn.Identity()])

    def forward(self, x):
        k[(1,)](x)
        x = self.names[0](x)
        return self.layers[0].forward(self.layers[1](x))
"#,
    );
    assert_eq!(lines(&report, Rule::TorchCompute, Severity::Warn), [20, 20]);
}
