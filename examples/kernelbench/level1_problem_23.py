"""Kernel for KernelBench level1/23 (Softmax): torch.softmax(x, dim=1) over long rows.

One program per row. The problem's rows hold 393216 values, far more than one block, so each
program walks its row twice in blocks of BLOCK:

1. an online pass that keeps the running maximum m and the running sum s of exp(x - m),
   rescaling s by exp(m_old - m_new) whenever a block raises the maximum;
2. a pass that writes exp(x - m) / s.

Every block holds at least one real element, so the block maximum is finite and no exp sees
-inf - -inf. Row offsets are 64-bit (4096 x 393216 = 1.6e9 elements in all).
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK = 4096
NUM_WARPS = 8


@triton.jit
def _softmax_kernel(x_ptr, out_ptr, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * n_cols
    out_row = out_ptr + row * n_cols
    cols = tl.arange(0, BLOCK)

    m = tl.full((), float("-inf"), tl.float32)
    s = tl.zeros((), tl.float32)
    for start in range(0, n_cols, BLOCK):
        offs = start + cols
        mask = offs < n_cols
        x = tl.load(x_row + offs, mask=mask, other=float("-inf")).to(tl.float32)
        m_new = tl.maximum(m, tl.max(x, axis=0))
        s = s * tl.exp(m - m_new) + tl.sum(tl.exp(x - m_new), axis=0)
        m = m_new

    for start in range(0, n_cols, BLOCK):
        offs = start + cols
        mask = offs < n_cols
        x = tl.load(x_row + offs, mask=mask, other=0.0).to(tl.float32)
        tl.store(out_row + offs, tl.exp(x - m) / s, mask=mask)


def softmax_rows(x: torch.Tensor) -> torch.Tensor:
    """torch.softmax(x, dim=1) for a 2-D float32 tensor with rows of any length."""
    assert x.dim() == 2, f"expected a 2-D tensor, got shape {tuple(x.shape)}"
    x = x.contiguous()
    out = torch.empty_like(x)
    n_rows, n_cols = x.shape
    _softmax_kernel[(n_rows,)](x, out, n_cols, BLOCK=BLOCK, num_warps=NUM_WARPS)
    return out


class ModelNew(nn.Module):
    """Same interface as Model (no parameters); forward is one Triton launch."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_rows(x)
