"""Deliberately WRONG kernel for KernelBench level1/27 (SELU): torch.selu(x).

SELU is scale * (x if x > 0 else alpha * (exp(x) - 1)) with alpha = 1.6732632... and
scale = 1.0507009... This kernel swaps the two constants, a plausible slip when typing them
from memory: positive inputs come out 1.673 x instead of 1.051 x, negative ones
1.051 * 1.673 * (exp(x) - 1) instead of 1.673 * 1.051 * (exp(x) - 1) (the same, by luck), so
the error is on the positive half only.

Declared verdict: wrong (values).
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK_SIZE = 1024
NUM_WARPS = 4

# The bug: the two constants are swapped (alpha is 1.6732632423543772, scale 1.0507009873554805).
SELU_ALPHA = 1.0507009873554805
SELU_SCALE = 1.6732632423543772


@triton.jit
def _selu_kernel(x_ptr, out_ptr, n_elements, alpha, scale, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    y = scale * tl.where(x > 0.0, x, alpha * (tl.exp(x) - 1.0))
    tl.store(out_ptr + offs, y, mask=mask)


def selu(x: torch.Tensor) -> torch.Tensor:
    """SELU with its constants swapped, for a float32 tensor of any shape."""
    x = x.contiguous()
    out = torch.empty_like(x)
    n_elements = x.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _selu_kernel[grid](
        x, out, n_elements, SELU_ALPHA, SELU_SCALE, BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS
    )
    return out


class ModelNew(nn.Module):
    """Same interface as Model (no parameters); forward is one Triton launch."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return selu(x)
