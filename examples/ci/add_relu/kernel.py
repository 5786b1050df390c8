"""The starting kernel for problem.py: one fused element-wise Triton kernel, correct but with a
small BLOCK, so it launches many programs. Under Triton's CPU interpreter a program's cost is
mostly fixed, so a larger BLOCK is measurably faster and a smaller one measurably slower: the
loop has room to improve it, and a regression is visible."""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK = 32


@triton.jit
def _add_relu_scale_kernel(a_ptr, b_ptr, out_ptr, n_elements, scale, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n_elements
    a = tl.load(a_ptr + offs, mask=mask)
    b = tl.load(b_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, tl.maximum(a + b, 0.0) * scale, mask=mask)


class ModelNew(nn.Module):
    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        a = a.contiguous()
        b = b.contiguous()
        out = torch.empty_like(a)
        n = a.numel()
        grid = (triton.cdiv(n, BLOCK),)
        _add_relu_scale_kernel[grid](a, b, out, n, self.scale, BLOCK=BLOCK)
        return out
