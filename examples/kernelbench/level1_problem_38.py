"""Kernel for KernelBench level1/38 (L1Norm): x / torch.mean(torch.abs(x), dim=1, keepdim=True).

One program per row of the 2-D input. The problem's rows hold 65535 values, more than one block,
so each program walks its row twice in blocks of BLOCK: a pass that sums |x|, then a pass that
writes x / (sum / n_cols). Row offsets are 64-bit (32768 x 65535 = 2.1e9 elements in all, just
under 2**31).
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK = 4096
NUM_WARPS = 8


@triton.jit
def _l1_normalize_kernel(x_ptr, out_ptr, n_cols, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * n_cols
    out_row = out_ptr + row * n_cols
    cols = tl.arange(0, BLOCK)

    acc = tl.zeros((BLOCK,), tl.float32)
    for start in range(0, n_cols, BLOCK):
        offs = start + cols
        x = tl.load(x_row + offs, mask=offs < n_cols, other=0.0).to(tl.float32)
        acc += tl.abs(x)
    mean_abs = tl.sum(acc, axis=0) / n_cols

    for start in range(0, n_cols, BLOCK):
        offs = start + cols
        mask = offs < n_cols
        x = tl.load(x_row + offs, mask=mask, other=0.0).to(tl.float32)
        tl.store(out_row + offs, x / mean_abs, mask=mask)


def l1_normalize_rows(x: torch.Tensor) -> torch.Tensor:
    """x / mean(|x|, dim=1, keepdim=True) for a 2-D float32 tensor with rows of any length."""
    assert x.dim() == 2, f"expected a 2-D tensor, got shape {tuple(x.shape)}"
    x = x.contiguous()
    out = torch.empty_like(x)
    n_rows, n_cols = x.shape
    _l1_normalize_kernel[(n_rows,)](x, out, n_cols, BLOCK=BLOCK, num_warps=NUM_WARPS)
    return out


class ModelNew(nn.Module):
    """Same interface as Model (no parameters); forward is one Triton launch."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return l1_normalize_rows(x)
