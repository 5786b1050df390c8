//! `no-kernel`: a Triton candidate needs a `@triton.jit` function, a CUDA one a `__global__`.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, cuda, lines, triton};

#[test]
fn pytorch_only_candidate_is_rejected_at_its_model_class() {
    let report = triton(
        r#"
import torch
from torch import nn


class ModelNew(nn.Module):
    def forward(self, x):
        return torch.relu(x)
"#,
    );
    assert_eq!(lines(&report, Rule::NoKernel, Severity::Reject), [5]);
    assert_eq!(report.kernels, Vec::<String>::new());
}

#[test]
fn other_jit_decorators_are_not_triton_kernels() {
    let report = triton(
        r#"
import torch
from numba import jit


@torch.jit.script
def scripted(x):
    return x * 2


@jit
def numba_fn(x):
    return x
"#,
    );
    assert_eq!(lines(&report, Rule::NoKernel, Severity::Reject), [1]);
}

#[test]
fn every_spelling_of_triton_jit_is_a_kernel() {
    let report = triton(
        r#"
import triton
import triton.language as tl
from triton import jit
import triton as tr


@triton.jit
def a(x_ptr):
    pass


@jit
def b(x_ptr):
    pass


@triton.jit(do_not_specialize=["n"])
def c(x_ptr, n):
    pass


@tr.jit
def d(x_ptr):
    pass


def _e(x_ptr):
    pass


e = triton.jit(_e)
"#,
    );
    assert_none(&report, Rule::NoKernel);
    assert_eq!(report.kernels, ["a", "b", "c", "d", "e"]);
}

#[test]
fn cuda_candidate_without_global_function_is_rejected() {
    let report = cuda(
        r#"
"""The __global__ functions (see below) are fast."""
from torch.utils.cpp_extension import load_inline

src = """
__device__ float twice(float x) { return 2 * x; }
// __global__ void commented(float* x) {}
torch::Tensor run(torch::Tensor x) { return x * 2; }
"""
ext = load_inline(name="e", cpp_sources="", cuda_sources=src, functions=["run"])
"#,
    );
    assert_eq!(lines(&report, Rule::NoKernel, Severity::Reject), [1]);
}

#[test]
fn cuda_global_function_in_any_string_counts() {
    let report = cuda(
        r#"
from torch.utils.cpp_extension import load_inline

src = "__global__ void k(float* x) { x[threadIdx.x] = 0; }\n" + "void launch(float* x);"
ext = load_inline(name="e", cpp_sources="", cuda_sources=src, functions=["launch"])
ext.launch(None)
"#,
    );
    assert_none(&report, Rule::NoKernel);
    assert_eq!(report.kernels, ["k"]);
}
