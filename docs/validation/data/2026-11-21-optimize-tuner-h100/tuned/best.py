# The best kernel of a lathe run.
# problem: /work/main/examples/level2/2_conv_transpose_bias_clamp_scale/problem.py
# GPU:     NVIDIA H100 80GB HBM3
# model:   none (lathe tune only)
# run:     r20261121-191304-af0a, attempt #2 (tune:grid_and_parallel/a16d2dbbdf18)
# speed:   6.70 ms, 1.90x vs eager (12.8 ms), 0.53x vs torch.compile (3.53 ms)

"""Starting kernel for level2/2: ConvTranspose2d in PyTorch, then one fused element-wise kernel.

The Triton kernel walks the flattened NCHW output of the transposed convolution and applies
+bias, clamp to [0, 1], *scaling_factor, clamp to [0, 1] and /scaling_factor in one pass. Its
launch constants (BLOCK_SIZE, NUM_WARPS) are plain module-level values, not autotuned, so that a
tuner can rewrite them.
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK_SIZE = 512
NUM_WARPS = 4


@triton.jit
def _bias_clamp_scale_kernel(
    y_ptr,
    bias_ptr,
    out_ptr,
    n_elements,
    C,
    HW,
    scaling_factor,
    BLOCK_SIZE: tl.constexpr,
):
    pid = tl.program_id(0).to(tl.int64)
    offs = pid * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = offs < n_elements

    channel = (offs // HW) % C
    y = tl.load(y_ptr + offs, mask=mask, other=0.0).to(tl.float32)
    b = tl.load(bias_ptr + channel, mask=mask, other=0.0).to(tl.float32)

    v = y + b
    v = tl.minimum(tl.maximum(v, 0.0), 1.0)
    v = v * scaling_factor
    v = tl.minimum(tl.maximum(v, 0.0), 1.0)
    v = v / scaling_factor

    tl.store(out_ptr + offs, v, mask=mask)


def bias_clamp_scale(y: torch.Tensor, bias: torch.Tensor, scaling_factor: float) -> torch.Tensor:
    """clamp(clamp(y + bias, 0, 1) * s, 0, 1) / s for an NCHW tensor y and a per-channel bias."""
    assert y.dim() == 4, f"expected an NCHW tensor, got shape {tuple(y.shape)}"
    _, c, h, w = y.shape
    assert bias.numel() == c, f"bias must hold one value per channel ({c}), got {bias.numel()}"

    y = y.contiguous()
    bias = bias.reshape(c).contiguous()
    out = torch.empty_like(y)
    n_elements = y.numel()

    grid = (triton.cdiv(n_elements, BLOCK_SIZE),)
    _bias_clamp_scale_kernel[grid](
        y,
        bias,
        out,
        n_elements,
        c,
        h * w,
        float(scaling_factor),
        BLOCK_SIZE=BLOCK_SIZE,
        num_warps=NUM_WARPS,
    )
    return out


class ModelNew(nn.Module):
    """Same parameters as Model; the post-convolution chain runs as one Triton kernel."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        padding: int,
        output_padding: int,
        bias_shape: tuple[int, ...],
        scaling_factor: float,
    ) -> None:
        super().__init__()
        self.conv_transpose = nn.ConvTranspose2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
        )
        self.bias = nn.Parameter(torch.randn(bias_shape))
        self.scaling_factor = scaling_factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv_transpose(x)
        return bias_clamp_scale(y, self.bias, self.scaling_factor)
