//! `kernel-not-launched`: a kernel defined for show.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, cuda, lines, triton};

#[test]
fn triton_kernel_never_launched_is_rejected_at_its_definition() {
    let report = triton(
        r#"
import torch
import triton
import triton.language as tl


@triton.jit
def add_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    pass


class ModelNew(torch.nn.Module):
    def forward(self, x, y):
        add_kernel.run(x, y, x.numel(), BLOCK=1024, grid=(1,), warmup=False)
        add_kernel.warmup(x, y, x.numel(), BLOCK=1024, grid=(1,))
        return x + y
"#,
    );
    assert_eq!(
        lines(&report, Rule::KernelNotLaunched, Severity::Reject),
        [7]
    );
    let evidence = &report.findings[0].evidence;
    assert!(evidence.contains("`add_kernel`"), "{evidence}");
}

#[test]
fn launches_through_aliases_attributes_containers_and_launchers_count() {
    let launches = [
        "fn = k\n    fn[grid](x)",
        "self.k = k\n    self.k[grid](x)",
        "table = {'a': k}\n    table['a'][grid](x)",
        "chosen = k if x else k\n    chosen[grid](x)",
        "launch(k, grid, x)",
        "launch(kernel=k, grid=grid, args=x)",
        "torch.library.wrap_triton(k)[grid](x)",
        "run = k[grid]\n    run(x)",
    ];
    for launch in launches {
        let source = format!(
            r#"import torch
import triton


@triton.jit
def k(x_ptr):
    pass


def launch(kernel, grid, args):
    kernel[grid](args)


def forward(self, x, grid):
    {launch}
"#
        );
        let report = triton(&source);
        assert_none(&report, Rule::KernelNotLaunched);
    }
}

#[test]
fn a_launcher_never_given_a_kernel_launches_nothing() {
    let report = triton(
        r#"
import triton


@triton.jit
def k(x_ptr):
    pass


def launch(kernel, grid, args):
    kernel[grid](args)


def forward(x):
    launch(print, (1,), x)
"#,
    );
    assert_eq!(
        lines(&report, Rule::KernelNotLaunched, Severity::Reject),
        [5]
    );
}

#[test]
fn cuda_kernels_never_loaded_are_rejected() {
    let report = cuda(
        r#"
import torch

src = "__global__ void k(float* x) {}"


class ModelNew(torch.nn.Module):
    def forward(self, x):
        return x * 2
"#,
    );
    assert_eq!(
        lines(&report, Rule::KernelNotLaunched, Severity::Reject),
        [6]
    );
}

#[test]
fn cuda_extension_loaded_but_never_called_is_rejected_at_the_load() {
    let report = cuda(
        r#"
import torch
from torch.utils.cpp_extension import load_inline

src = "__global__ void k(float* x) {} torch::Tensor run(torch::Tensor x);"
ext = load_inline(
    name="e", cpp_sources="", cuda_sources=src, functions=["run"]
)


class ModelNew(torch.nn.Module):
    def forward(self, x):
        print(ext.__name__)
        return torch.relu(x)
"#,
    );
    assert_eq!(
        lines(&report, Rule::KernelNotLaunched, Severity::Reject),
        [5]
    );
}

#[test]
fn cuda_extension_called_through_a_getter_or_a_listed_name_counts() {
    let report = cuda(
        r#"
import functools
import torch
import torch.utils.cpp_extension as cpp

src = "__global__ void k(float* x) {}"
FUNCTIONS = ["run"]


@functools.cache
def _ext():
    return cpp.load_inline(name="e", cpp_sources="", cuda_sources=src, functions=FUNCTIONS)


class ModelNew(torch.nn.Module):
    def forward(self, x):
        return _ext().run(x)
"#,
    );
    assert_none(&report, Rule::KernelNotLaunched);
}

#[test]
fn cuda_call_of_an_unlisted_name_is_not_a_launch() {
    let report = cuda(
        r#"
from torch.utils.cpp_extension import load_inline

ext = load_inline(name="e", cpp_sources="", cuda_sources="__global__ void k() {}", functions=["run"])
ext.other(1)
"#,
    );
    assert_eq!(
        lines(&report, Rule::KernelNotLaunched, Severity::Reject),
        [3]
    );
}

#[test]
fn cuda_function_taken_off_the_module_and_called_later_counts() {
    let report = cuda(
        r#"
from torch.utils.cpp_extension import load_inline

mod = load_inline(name="m", cpp_sources="", cuda_sources="__global__ void k() {}", functions=["fused"])
fused = mod.fused


def forward(x):
    return fused(x)
"#,
    );
    assert_none(&report, Rule::KernelNotLaunched);
}

#[test]
fn cuda_extension_registering_torch_ops_is_not_judged() {
    // `is_python_module=False` registers operators reached through `torch.ops`: neither the
    // exported names nor the module are known, so a missing launch cannot be told apart.
    let report = cuda(
        r#"
import torch
from torch.utils.cpp_extension import load_inline

load_inline(name="m", cpp_sources="", cuda_sources="__global__ void k() {}", is_python_module=False)


def forward(x):
    return torch.ops.m.fused(x)
"#,
    );
    assert_none(&report, Rule::KernelNotLaunched);
}
