//! `side-stream` [1]: work launched on another CUDA stream is invisible to the timing events
//! recorded on the current stream, so the measured time is only the launch. Refused: creating
//! or switching streams from Python, and creating streams in CUDA sources (found in any
//! string, comments excluded).
//!
//! Blind spots: a stream handed in from elsewhere (`cudaStreamPerThread`, a stream kept by a
//! library); the worker's device-wide synchronize before the end timestamp covers them.

use lathe_core::Rule;
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::cuda_source::occurrences;
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
    for call in &cx.index.calls {
        if cx
            .callee(call)
            .is_some_and(|callee| PYTHON_CALLS.contains(&callee.as_str()))
        {
            out.report(
                Rule::SideStream,
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
                    Rule::SideStream,
                    at,
                    api,
                    &format!("a CUDA source creates a stream; {WHY}"),
                );
            }
        }
    }
}
