"""Kernel for KernelBench level2/76 (Gemm_Add_ReLU).

The Linear stays in PyTorch (F.linear: cuBLAS in float32, TF32 off as PyTorch's default). The
element-wise chain after it runs as one Triton kernel over the flattened (batch, out_features)
output, reading and writing the product once:

    relu(y + bias), one bias per output feature (the Linear has none of its own)

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
def _bias_relu_kernel(y_ptr, bias_ptr, out_ptr, n_elements, n_cols, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    v = tl.load(y_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    bias = tl.load(bias_ptr + offs % n_cols, mask=mask, other=0.0).to(tl.float32)
    v = tl.maximum(v + bias, 0.0)
    tl.store(out_ptr + offs, v, mask=mask)


def bias_relu(y: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """torch.relu(y + bias) for y of shape (..., n) and bias of shape (n,)."""
    y = y.contiguous()
    out = torch.empty_like(y)
    n_elements = y.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _bias_relu_kernel[grid](
        y, bias, out, n_elements, y.shape[-1], BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS
    )
    return out


class ModelNew(nn.Module):
    """Same parameters as Model, created in the same order; forward is F.linear + one launch."""

    def __init__(self, in_features: int, out_features: int, bias_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.gemm = nn.Linear(in_features, out_features, bias=False)
        self.bias = nn.Parameter(torch.randn(bias_shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.gemm.weight)
        return bias_relu(y, self.bias.reshape(-1).contiguous())
