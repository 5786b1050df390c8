//! `cuda-graph`: no CUDA graphs captured or launched by the candidate.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, cuda, lines, triton};

#[test]
fn python_graph_apis_are_rejected() {
    let report = triton(
        r#"
import torch
from torch.cuda import CUDAGraph


def forward(x):
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        y = x * 2
    other = CUDAGraph()
    f = torch.cuda.make_graphed_callables(lambda t: t, (x,))
    return y
"#,
    );
    assert_eq!(
        lines(&report, Rule::CudaGraph, Severity::Reject),
        [6, 7, 9, 10]
    );
}

#[test]
fn graph_capture_in_cuda_source_is_rejected_at_its_line() {
    let report = cuda(
        r#"
from torch.utils.cpp_extension import load_inline

src = """
__global__ void k(float* x) {}
torch::Tensor run(torch::Tensor x) {
    cudaGraph_t g;
    cudaStreamBeginCapture(0, cudaStreamCaptureModeGlobal);
    k<<<1, 1>>>(x.data_ptr<float>());
    return x;
}
"""
ext = load_inline(name="e", cpp_sources="", cuda_sources=src, functions=["run"])
"#,
    );
    assert_eq!(lines(&report, Rule::CudaGraph, Severity::Reject), [7]);
}

#[test]
fn replaying_nothing_and_comments_pass() {
    let report = cuda(
        r#"
import torch
from torch.utils.cpp_extension import load_inline

src = """
// No cudaGraphLaunch here: one launch per call.
__global__ void k(float* x) {}
torch::Tensor run(torch::Tensor x) {
    k<<<1, 1>>>(x.data_ptr<float>());
    return x;
}
"""
ext = load_inline(name="e", cpp_sources="", cuda_sources=src, functions=["run"])


def forward(x):
    capturing = torch.cuda.is_current_stream_capturing()
    return ext.run(x)
"#,
    );
    assert_none(&report, Rule::CudaGraph);
}
