"""Starting kernel for level1/softmax: a row-wise softmax with one Triton program per row.

Each program loads its whole row into one block (BLOCK = next power of 2 >= dim), subtracts the
row maximum for numerical stability, exponentiates, and divides by the row sum, all in float32.
Rows longer than MAX_DIM are rejected rather than looped over.
"""

import torch
import triton
import triton.language as tl
from torch import nn

MAX_DIM = 16384


@triton.jit
def _softmax_row_kernel(
    x_ptr,
    out_ptr,
    n_cols,
    stride_xm,
    stride_xn,
    stride_om,
    stride_on,
    BLOCK: tl.constexpr,
):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols

    x_ptrs = x_ptr + row * stride_xm + cols * stride_xn
    x = tl.load(x_ptrs, mask=mask, other=float("-inf")).to(tl.float32)
    row_max = tl.max(x, axis=0)
    e = tl.exp(x - row_max)
    denom = tl.sum(e, axis=0)
    y = e / denom

    tl.store(out_ptr + row * stride_om + cols * stride_on, y, mask=mask)


def softmax_rows(x: torch.Tensor) -> torch.Tensor:
    """torch.softmax(x, dim=1) for a 2-D tensor x."""
    assert x.dim() == 2, f"expected a 2-D tensor, got shape {tuple(x.shape)}"
    n_rows, n_cols = x.shape
    assert n_cols <= MAX_DIM, (
        f"this kernel holds a whole row in one block and supports dim <= {MAX_DIM}, got {n_cols}"
    )

    out = torch.empty_like(x)
    block = triton.next_power_of_2(n_cols)
    if block <= 2048:
        num_warps = 4
    elif block <= 8192:
        num_warps = 8
    else:
        num_warps = 16
    _softmax_row_kernel[(n_rows,)](
        x,
        out,
        n_cols,
        x.stride(0),
        x.stride(1),
        out.stride(0),
        out.stride(1),
        BLOCK=block,
        num_warps=num_warps,
    )
    return out


class ModelNew(nn.Module):
    """Same interface as Model: no parameters, forward(x) returns the softmax over dim 1."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return softmax_rows(x)
