//! `side-stream` [1]: work launched on another CUDA stream is invisible to the timing events
//! recorded on the current stream, so the measured time is only the launch. Refused: creating
//! or switching streams from Python, and creating streams in CUDA sources (found in any
//! string, comments excluded).
//!
//! Blind spots: a stream handed in from elsewhere (`cudaStreamPerThread`, a stream kept by a
//! library); the worker's device-wide synchronize before the end timestamp covers them.

use lathe_core::Rule;

use super::forbidden_apis::ForbiddenApis;
use crate::context::Context;
use crate::finding_sink::FindingSink;

const WHY: &str = "work on another stream escapes the timing events";

/// Python calls that create a stream or make another stream current.
const PYTHON_CALLS: [&str; 8] = [
    "torch.cuda.Stream",
    "torch.cuda.stream",
    "torch.cuda.set_stream",
    "torch.cuda.ExternalStream",
    "torch.cuda.streams.Stream",
    "torch.cuda.streams.ExternalStream",
    "torch.Stream",
    "torch.cuda.StreamContext",
];

/// CUDA and ATen functions that create a stream.
const CUDA_CALLS: [&str; 4] = [
    "cudaStreamCreate",
    "cudaStreamCreateWithFlags",
    "cudaStreamCreateWithPriority",
    "getStreamFromPool",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    ForbiddenApis {
        rule: Rule::SideStream,
        python_calls: &PYTHON_CALLS,
        cuda_calls: &CUDA_CALLS,
        why: WHY,
        cuda_use: "creates a stream",
    }
    .check(cx, out);
}
