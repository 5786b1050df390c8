"""Kernel for KernelBench level2/12 (Gemm_Multiply_LeakyReLU).

The Linear stays in PyTorch (F.linear: cuBLAS in float32, TF32 off as PyTorch's default). The
element-wise chain after it runs as one Triton kernel over the flattened (batch, out_features)
output, reading and writing the product once:

    leaky_relu(y * multiplier, negative_slope)

Offsets are 64-bit and the tail is masked, so any size works.
"""

import torch
import torch.nn.functional as F
import triton
import triton.language as tl
from torch import nn

BLOCK_SIZE = 1024
NUM_WARPS = 4


@triton.jit
def _multiply_leaky_relu_kernel(
    y_ptr, out_ptr, n_elements, multiplier, negative_slope, BLOCK_SIZE: tl.constexpr
):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    v = tl.load(y_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    v = v * multiplier
    v = tl.where(v >= 0.0, v, v * negative_slope)
    tl.store(out_ptr + offs, v, mask=mask)


def multiply_leaky_relu(y: torch.Tensor, multiplier: float, negative_slope: float) -> torch.Tensor:
    """leaky_relu(y * multiplier, negative_slope) for a float32 tensor of any shape."""
    y = y.contiguous()
    out = torch.empty_like(y)
    n_elements = y.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _multiply_leaky_relu_kernel[grid](
        y,
        out,
        n_elements,
        float(multiplier),
        float(negative_slope),
        BLOCK_SIZE=BLOCK_SIZE,
        num_warps=NUM_WARPS,
    )
    return out


class ModelNew(nn.Module):
    """Same parameters as Model, created in the same order; forward is F.linear + one launch."""

    def __init__(
        self, in_features: int, out_features: int, multiplier: float, negative_slope: float
    ) -> None:
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features)
        self.multiplier = multiplier
        self.leaky_relu = nn.LeakyReLU(negative_slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.gemm.weight, self.gemm.bias)
        return multiply_leaky_relu(y, self.multiplier, self.leaky_relu.negative_slope)
