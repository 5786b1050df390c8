import torch
import triton
import triton.language as tl
from torch import nn


@triton.jit
def _scale_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    tl.store(out_ptr + offs, tl.load(x_ptr + offs, mask=mask) * 2.0, mask=mask)


class ModelNew(nn.Module):
    def forward(self, x):
        out = torch.empty_like(x)
        n = x.numel()
        # Launch constants written at the launch itself.
        _scale_kernel[(triton.cdiv(n, 256),)](x, out, n, BLOCK=256, num_warps=8, num_stages=2)
        return out
