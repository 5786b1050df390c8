//! `no-kernel` [13]: the "kernel" is PyTorch. A Triton candidate must define a `@triton.jit`
//! function, a CUDA candidate a `__global__` function in a source string; without one, every
//! bit of work is PyTorch's, whatever the speedup says.
//!
//! Blind spot: a kernel that exists but does nothing useful; `ghost-kernel` catches that at
//! run time.

use lathe_core::{Backend, Rule};

use crate::context::Context;
use crate::finding_sink::FindingSink;

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    if !cx.kernels.is_empty() {
        return;
    }
    let evidence = match cx.backend {
        Backend::Triton => {
            "no `@triton.jit` function in the module: all the work would be PyTorch's"
        }
        Backend::Cuda => {
            "no `__global__` function in any string of the module: `load_inline` has no kernel to compile"
        }
    };
    out.report_sentence(Rule::NoKernel, cx.model_range(), evidence.to_owned());
}
