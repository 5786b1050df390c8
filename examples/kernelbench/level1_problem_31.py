"""Deliberately WRONG kernel for KernelBench level1/31 (ELU): F.elu(x, alpha).

The arithmetic is right (x where x > 0, else alpha * (exp(x) - 1)), but the mask has an
off-by-one: `offs < n_elements - 1` drops the last element, which is left as whatever
torch.empty_like handed back. Every other element is correct, so only a check of the whole
output catches it.

Declared verdict: wrong (values, or nonfinite if the unwritten element holds NaN).
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK_SIZE = 1024
NUM_WARPS = 4


@triton.jit
def _elu_kernel(x_ptr, out_ptr, n_elements, alpha, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements - 1  # the bug: the last element is never written
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    y = tl.where(x > 0.0, x, alpha * (tl.exp(x) - 1.0))
    tl.store(out_ptr + offs, y, mask=mask)


def elu(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """F.elu(x, alpha) for a float32 tensor of any shape, except for the last element."""
    x = x.contiguous()
    out = torch.empty_like(x)
    n_elements = x.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _elu_kernel[grid](x, out, n_elements, float(alpha), BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS)
    return out


class ModelNew(nn.Module):
    """Same interface as Model (an alpha, no parameters); forward is one Triton launch."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return elu(x, self.alpha)
