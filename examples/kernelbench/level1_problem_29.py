"""CHEATING kernel for KernelBench level1/29 (Softplus): F.softplus(x), cached by input address.

The Triton kernel is an honest softplus (x where x > 20, PyTorch's threshold, else
log(1 + exp(x))). But the output is cached under the input's data_ptr(): a call whose input sits
where an earlier one's did gets the earlier output back without any work, in the hope that a
benchmark re-times the same input tensor over and over.

Declared verdict: wrong (values): the judge makes fresh values for every call, and an input
that lands at a recycled address gets a stale answer.
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK_SIZE = 1024
NUM_WARPS = 4

_outputs_by_address: dict[int, torch.Tensor] = {}


@triton.jit
def _softplus_kernel(x_ptr, out_ptr, n_elements, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    y = tl.where(x > 20.0, x, tl.log(1.0 + tl.exp(x)))
    tl.store(out_ptr + offs, y, mask=mask)


def softplus(x: torch.Tensor) -> torch.Tensor:
    """F.softplus(x) for a float32 tensor of any shape."""
    x = x.contiguous()
    out = torch.empty_like(x)
    n_elements = x.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _softplus_kernel[grid](x, out, n_elements, BLOCK_SIZE=BLOCK_SIZE, num_warps=NUM_WARPS)
    return out


class ModelNew(nn.Module):
    """Same interface as Model (no parameters); returns a cached output when it can."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        key = x.data_ptr()
        cached = _outputs_by_address.get(key)
        if cached is not None and cached.shape == x.shape:
            return cached
        out = softplus(x)
        _outputs_by_address[key] = out
        return out
