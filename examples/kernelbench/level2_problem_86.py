"""Kernel for KernelBench level2/86 (Matmul_Divide_GELU).

The Linear stays in PyTorch (F.linear: cuBLAS in float32, TF32 off as PyTorch's default). The
element-wise chain after it runs as one Triton kernel over the flattened (batch, out_features)
output, reading and writing the product once:

    gelu(y / divisor), F.gelu's default exact form: 0.5 * v * (1 + erf(v / sqrt(2)))

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
def _divide_gelu_kernel(y_ptr, out_ptr, n_elements, divisor, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    v = tl.load(y_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    v = v / divisor
    v = 0.5 * v * (1.0 + tl.math.erf(v * 0.7071067811865476))
    tl.store(out_ptr + offs, v, mask=mask)


def divide_gelu(y: torch.Tensor, divisor: float) -> torch.Tensor:
    """F.gelu(y / divisor) (exact erf form) for a float32 tensor of any shape."""
    y = y.contiguous()
    out = torch.empty_like(y)
    n_elements = y.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _divide_gelu_kernel[grid](
        y, out, n_elements, float(divisor), BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS
    )
    return out


class ModelNew(nn.Module):
    """Same parameters as Model, created in the same order; forward is F.linear + one launch."""

    def __init__(self, input_size: int, output_size: int, divisor: float) -> None:
        super().__init__()
        self.linear = nn.Linear(input_size, output_size)
        self.divisor = divisor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.linear.weight, self.linear.bias)
        return divide_gelu(y, self.divisor)
