//! `side-stream`: no other CUDA streams.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, cuda, lines, triton};

#[test]
fn python_stream_apis_are_rejected() {
    let report = triton(
        r#"
import torch
from torch.cuda import Stream


def forward(x):
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        y = x * 2
    torch.cuda.set_stream(Stream())
    e = torch.cuda.ExternalStream(0)
    return y
"#,
    );
    assert_eq!(
        lines(&report, Rule::SideStream, Severity::Reject),
        [6, 7, 9, 9, 10]
    );
}

#[test]
fn stream_creation_in_cuda_source_is_rejected_at_its_line() {
    let report = cuda(
        r#"
from torch.utils.cpp_extension import load_inline

src = """
__global__ void k(float* x) {}
torch::Tensor run(torch::Tensor x) {
    cudaStream_t s;
    cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
    auto pooled = at::cuda::getStreamFromPool();
    k<<<1, 1, 0, s>>>(x.data_ptr<float>());
    return x;
}
"""
ext = load_inline(name="e", cpp_sources="", cuda_sources=src, functions=["run"])
"#,
    );
    assert_eq!(lines(&report, Rule::SideStream, Severity::Reject), [7, 8]);
    let finding = &report.findings.iter().find(|f| f.line == 7).unwrap();
    assert_eq!(finding.column, 5);
    assert!(
        finding
            .evidence
            .starts_with("`cudaStreamCreateWithFlags` at line 7")
    );
}

#[test]
fn the_current_stream_and_comments_pass() {
    let report = cuda(
        r#"
import torch
from torch.utils.cpp_extension import load_inline

src = """
// We never call cudaStreamCreate: everything runs on the current stream.
__global__ void k(float* x) {}
torch::Tensor run(torch::Tensor x) {
    auto stream = at::cuda::getCurrentCUDAStream();
    k<<<1, 1, 0, stream>>>(x.data_ptr<float>());
    return x;
}
"""
ext = load_inline(name="e", cpp_sources="", cuda_sources=src, functions=["run"])


def forward(x):
    stream = torch.cuda.current_stream()
    torch.cuda.synchronize()
    return ext.run(x)
"#,
    );
    assert_none(&report, Rule::SideStream);
}
