"""Kernel for KernelBench level1/30 (Softsign): one element-wise Triton kernel.

Computes x / (1 + torch.abs(x)).
y = x / (1 + |x|).
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
def _softsign_kernel(x_ptr, out_ptr, n_elements, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    y = x / (1.0 + tl.abs(x))
    tl.store(out_ptr + offs, y, mask=mask)


def softsign(x: torch.Tensor) -> torch.Tensor:
    """x / (1 + torch.abs(x)) for a float32 tensor of any shape."""
    x = x.contiguous()
    out = torch.empty_like(x)
    n_elements = x.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _softsign_kernel[grid](x, out, n_elements, BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS)
    return out


class ModelNew(nn.Module):
    """Same interface as Model (no parameters); forward is one Triton launch."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softsign(x)
