//! `cuda-graph` [6]: a CUDA graph captured in one call and replayed in another carries work
//! across calls (N timed calls batched into one replay, or a replay that reads the addresses
//! of an earlier call's inputs), and lathe times the kernels each forward launches. Refused:
//! capturing or building graphs from Python, and the graph APIs in CUDA sources (found in any
//! string, comments excluded).
//!
//! Blind spot: a graph built through ctypes; the runner counts captures at run time, and every
//! timed call's time is checked against the judge's clock.

use lathe_core::Rule;

use super::forbidden_apis::ForbiddenApis;
use crate::context::Context;
use crate::finding_sink::FindingSink;

const WHY: &str = "a CUDA graph carries work from one call into another";

/// Python entry points of CUDA graphs.
const PYTHON_CALLS: [&str; 6] = [
    "torch.cuda.graph",
    "torch.cuda.CUDAGraph",
    "torch.cuda.make_graphed_callables",
    "torch.cuda.graphs.graph",
    "torch.cuda.graphs.CUDAGraph",
    "torch.cuda.graphs.make_graphed_callables",
];

/// CUDA runtime and driver functions that capture or launch a graph.
const CUDA_CALLS: [&str; 6] = [
    "cudaStreamBeginCapture",
    "cudaGraphLaunch",
    "cudaGraphInstantiate",
    "cuStreamBeginCapture",
    "cuGraphLaunch",
    "CUDAGraph",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    ForbiddenApis {
        rule: Rule::CudaGraph,
        python_calls: &PYTHON_CALLS,
        cuda_calls: &CUDA_CALLS,
        why: WHY,
        cuda_use: "uses graphs",
    }
    .check(cx, out);
}
