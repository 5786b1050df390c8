"""Kernel for KernelBench level1/20 (LeakyReLU): one element-wise Triton kernel.

Computes F.leaky_relu(x, negative_slope).
y = x where x >= 0, else negative_slope * x (default slope 0.01, as Model's).
The input is read as one flat contiguous array, BLOCK_SIZE elements per program, with 64-bit
offsets: the problem's input holds 4096 x 393216 = 1.6e9 elements (6.4 GB). Positions past the
end are masked, so any size works.
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK_SIZE = 1024
NUM_WARPS = 4


@triton.jit
def _leaky_relu_kernel(x_ptr, out_ptr, n_elements, negative_slope, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    y = tl.where(x >= 0.0, x, x * negative_slope)
    tl.store(out_ptr + offs, y, mask=mask)


def leaky_relu(x: torch.Tensor, negative_slope: float) -> torch.Tensor:
    """F.leaky_relu(x, negative_slope) for a float32 tensor of any shape."""
    x = x.contiguous()
    out = torch.empty_like(x)
    n_elements = x.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _leaky_relu_kernel[grid](
        x, out, n_elements, float(negative_slope), BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS
    )
    return out


class ModelNew(nn.Module):
    """Same interface as Model (a negative_slope, no parameters); forward is one Triton launch."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return leaky_relu(x, self.negative_slope)
