"""Kernel for KernelBench level2/63 (Gemm_ReLU_Divide).

The Linear stays in PyTorch (F.linear: cuBLAS in float32, TF32 off as PyTorch's default). The
element-wise chain after it runs as one Triton kernel over the flattened (batch, out_features)
output, reading and writing the product once:

    relu(y) / divisor

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
def _relu_divide_kernel(y_ptr, out_ptr, n_elements, divisor, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    v = tl.load(y_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    v = tl.maximum(v, 0.0)
    v = v / divisor
    tl.store(out_ptr + offs, v, mask=mask)


def relu_divide(y: torch.Tensor, divisor: float) -> torch.Tensor:
    """torch.relu(y) / divisor for a float32 tensor of any shape."""
    y = y.contiguous()
    out = torch.empty_like(y)
    n_elements = y.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _relu_divide_kernel[grid](
        y, out, n_elements, float(divisor), BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS
    )
    return out


class ModelNew(nn.Module):
    """Same parameters as Model, created in the same order; forward is F.linear + one launch."""

    def __init__(self, in_features: int, out_features: int, divisor: float) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.divisor = divisor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.linear.weight, self.linear.bias)
        return relu_divide(y, self.divisor)
