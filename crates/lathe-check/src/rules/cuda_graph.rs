//! `cuda-graph` [6]: a CUDA graph captured in one call and replayed in another carries work
//! across calls (N timed calls batched into one replay, or a replay that reads the addresses
//! of an earlier call's inputs), and lathe times the kernels each forward launches. Refused:
//! capturing or building graphs from Python, and the graph APIs in CUDA sources (found in any
//! string, comments excluded).
//!
//! Blind spot: a graph built through ctypes; the runner counts captures at run time, and every
//! timed call's time is checked against the judge's clock.

use lathe_core::Rule;
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::cuda_source::occurrences;
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
    for call in &cx.index.calls {
        if cx
            .callee(call)
            .is_some_and(|callee| PYTHON_CALLS.contains(&callee.as_str()))
        {
            out.report(
                Rule::CudaGraph,
                call.range(),
                &cx.map.call_snippet(call),
                WHY,
            );
        }
    }
    for piece in &cx.index.strings {
        let raw = cx.map.text(piece.range);
        for api in CUDA_CALLS {
            for at in occurrences(piece, raw, api) {
                out.report(
                    Rule::CudaGraph,
                    at,
                    api,
                    &format!("a CUDA source uses graphs; {WHY}"),
                );
            }
        }
    }
}
