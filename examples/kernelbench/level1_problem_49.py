"""Kernel for KernelBench level1/49 (Max reduction over a dimension).

Computes torch.max(x, dim=dim)[0].
The input is viewed as (outer, R, inner): R is the size of the reduced dimension, outer the
product of the dimensions before it and inner of those after it. Each program owns one outer
index and BLOCK consecutive inner positions (contiguous in memory) and loops over the R rows,
keeping the running maximum (from -inf).
For the problem's (128, 4096, 4095) input reduced over dim 1 that is 128 x 4 programs of 4096
steps each. Offsets are 64-bit, so any size works.
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK = 1024
NUM_WARPS = 4


@triton.jit
def _max_dim_kernel(x_ptr, out_ptr, n_reduce, n_inner, n_inner_blocks, BLOCK: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    outer = pid // n_inner_blocks
    inner = (pid % n_inner_blocks) * BLOCK + tl.arange(0, BLOCK)
    mask = inner < n_inner

    # The offsets step by n_inner per reduced row, staying 64-bit throughout.
    offs = outer * n_reduce * n_inner + inner
    acc = tl.full((BLOCK,), float("-inf"), tl.float32)
    for _ in range(0, n_reduce):
        x = tl.load(x_ptr + offs, mask=mask, other=float("-inf")).to(tl.float32)
        acc = tl.maximum(acc, x)
        offs += n_inner
    result = acc
    tl.store(out_ptr + outer * n_inner + inner, result, mask=mask)


def max_dim(x: torch.Tensor, dim: int) -> torch.Tensor:
    """torch.max(x, dim=dim)[0] for a float32 tensor of any shape."""
    x = x.contiguous()
    dim = dim % x.dim()
    n_reduce = x.shape[dim]
    n_outer = x.shape[:dim].numel()
    n_inner = x.shape[dim + 1 :].numel()
    out_shape = (*x.shape[:dim], *x.shape[dim + 1 :])
    out = torch.empty(out_shape, device=x.device, dtype=x.dtype)
    n_inner_blocks = triton.cdiv(n_inner, BLOCK)
    grid = (n_outer * n_inner_blocks,)
    _max_dim_kernel[grid](
        x, out, n_reduce, n_inner, n_inner_blocks, BLOCK=BLOCK, num_warps=NUM_WARPS
    )
    return out


class ModelNew(nn.Module):
    """Same interface as Model (the dimension to reduce, no parameters); one Triton launch."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return max_dim(x, self.dim)
