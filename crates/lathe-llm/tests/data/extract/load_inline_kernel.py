import torch
import torch.nn as nn
from torch.utils.cpp_extension import load_inline

# Fused softmax(dim=1) + bias + scale + sigmoid, one block per (n, h, w) column.
cuda_source = """
#include <torch/extension.h>
#include <cuda_runtime.h>

#define CHECK_CUDA(x) TORCH_CHECK(x.is_cuda(), #x " must be a CUDA tensor")
#define CHECK_CONTIGUOUS(x) \
    TORCH_CHECK(x.is_contiguous(), #x " must be contiguous")

template <int BLOCK>
__global__ void fused_softmax_bias_sigmoid_kernel(
    const float* __restrict__ x,
    const float* __restrict__ bias,
    float scale,
    float* __restrict__ out,
    int C, int HW)
{
    const int col = blockIdx.x;          // n * HW + hw
    const int n = col / HW, hw = col % HW;
    const float* in = x + (size_t)n * C * HW + hw;
    float* o = out + (size_t)n * C * HW + hw;

	// max over channels (tab-indented on purpose: must survive extraction)
    float m = -INFINITY;
    for (int c = 0; c < C; ++c) m = fmaxf(m, in[(size_t)c * HW]);
    float s = 0.f;
    for (int c = 0; c < C; ++c) s += __expf(in[(size_t)c * HW] - m);
    const float inv = 1.f / s;   
    for (int c = 0; c < C; ++c) {
        float v = (__expf(in[(size_t)c * HW] - m) * inv + bias[c]) * scale;
        o[(size_t)c * HW] = 1.f / (1.f + __expf(-v));
    }
}

torch::Tensor fused_post(torch::Tensor x, torch::Tensor bias, double scale) {
    CHECK_CUDA(x); CHECK_CONTIGUOUS(x);
    auto out = torch::empty_like(x);
    const int N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
    fused_softmax_bias_sigmoid_kernel<256><<<N * HW, 1>>>(
        x.data_ptr<float>(), bias.data_ptr<float>(), (float)scale,
        out.data_ptr<float>(), C, HW);
    TORCH_CHECK(cudaGetLastError() == cudaSuccess, "launch failed: \\n", "check shapes");
    return out;
}
"""

cpp_source = "torch::Tensor fused_post(torch::Tensor x, torch::Tensor bias, double scale);"

fused = load_inline(
    name="fused_post",
    cpp_sources=cpp_source,
    cuda_sources=cuda_source,
    functions=["fused_post"],
    extra_cuda_cflags=["-O3", "--use_fast_math"],
    verbose=False,
)


class ModelNew(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding,
                 output_padding, bias_shape, scaling_factor):
        super().__init__()
        self.conv_transpose = nn.ConvTranspose2d(
            in_channels, out_channels, kernel_size, stride=stride,
            padding=padding, output_padding=output_padding)
        self.bias = nn.Parameter(torch.randn(bias_shape))
        self.scaling_factor = scaling_factor

    def forward(self, x):
        x = self.conv_transpose(x).contiguous()
        return fused.fused_post(x, self.bias.view(-1).contiguous(), self.scaling_factor)
