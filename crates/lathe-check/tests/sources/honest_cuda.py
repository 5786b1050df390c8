"""An honest CUDA candidate: a fused bias + GELU and a row scale, built with load_inline."""

import torch
from torch import nn
from torch.utils.cpp_extension import load_inline

cuda_source = r"""
#include <torch/extension.h>
#include <cuda_runtime.h>

// A fused bias + tanh-GELU over a [rows, cols] tensor.
template <typename scalar_t>
__global__ void __launch_bounds__(256) bias_gelu_kernel(
    const scalar_t* __restrict__ x, const scalar_t* __restrict__ bias,
    scalar_t* __restrict__ out, int rows, int cols) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < rows * cols) {
        float v = (float)x[i] + (float)bias[i % cols];
        out[i] = (scalar_t)(0.5f * v * (1.f + tanhf(0.7978845608f * (v + 0.044715f * v * v * v))));
    }
}

__global__ void row_scale_kernel(float* x, const float* s, int cols, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= s[i / cols];
}

torch::Tensor bias_gelu(torch::Tensor x, torch::Tensor bias) {
    auto out = torch::empty_like(x);
    int rows = x.size(0), cols = x.size(1);
    int threads = 256, blocks = (rows * cols + threads - 1) / threads;
    bias_gelu_kernel<float><<<blocks, threads>>>(
        x.data_ptr<float>(), bias.data_ptr<float>(), out.data_ptr<float>(), rows, cols);
    return out;
}

torch::Tensor row_scale(torch::Tensor x, torch::Tensor s) {
    int n = x.numel(), cols = x.size(1);
    row_scale_kernel<<<(n + 255) / 256, 256>>>(x.data_ptr<float>(), s.data_ptr<float>(), cols, n);
    return x;
}
"""

cpp_source = """
torch::Tensor bias_gelu(torch::Tensor x, torch::Tensor bias);
torch::Tensor row_scale(torch::Tensor x, torch::Tensor s);
"""

fused = load_inline(
    name="fused_bias_gelu",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["bias_gelu", "row_scale"],
    verbose=False,
)


class ModelNew(nn.Module):
    def __init__(self, features: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.randn(features))
        self.scale = nn.Parameter(torch.ones(1))
        self.ext = fused

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ext.bias_gelu(x.contiguous(), self.bias)
        s = self.scale.expand(y.shape[0]).contiguous()
        return self.ext.row_scale(y, s)
