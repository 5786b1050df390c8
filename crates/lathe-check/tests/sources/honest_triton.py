"""An honest Triton candidate: x * sigmoid(x) + bias, fused into one element-wise kernel."""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK_SIZE = 1024


@triton.jit
def _silu_bias_kernel(x_ptr, bias_ptr, out_ptr, n_elements, C, HW, BLOCK_SIZE: tl.constexpr):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements
    channel = (offs // HW) % C
    x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    b = tl.load(bias_ptr + channel, mask=mask, other=0.0).to(tl.float32)
    y = x * tl.sigmoid(x) + b
    tl.store(out_ptr + offs, y, mask=mask)


def silu_bias(x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """x * sigmoid(x) + bias for an NCHW tensor and a per-channel bias."""
    assert x.dim() == 4, f"expected NCHW, got {tuple(x.shape)}"
    _, c, h, w = x.shape
    x = x.contiguous()
    bias = bias.reshape(c).contiguous()
    out = torch.empty_like(x)
    n_elements = x.numel()
    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _silu_bias_kernel[grid](x, bias, out, n_elements, c, h * w, BLOCK_SIZE=BLOCK_SIZE, num_warps=4)
    return out


class ModelNew(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.randn(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.backends.cudnn.enabled:
            x = x.view(x.shape)
        return silu_bias(x, self.bias)
