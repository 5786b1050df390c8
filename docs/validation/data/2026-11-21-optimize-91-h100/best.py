# The best kernel of a lathe run.
# problem: /work/main/examples/level2/91_conv_transpose_softmax_bias_scale_sigmoid/problem.py
# GPU:     cuda
# model:   command:python3 examples/gpu/91_replies/pick.py
# run:     r20261121-181513-ab16, attempt #8 (stage:memory_and_tuning/s1)
# speed:   2.62 ms, 3.54x vs eager (9.29 ms), 0.70x vs torch.compile (1.83 ms)

import torch
import torch.nn as nn
import triton
import triton.language as tl

BLOCK_P = 128
NUM_WARPS = 8
NUM_STAGES = 3


@triton.jit
def nhwc_softmax_bias_scale_sigmoid_kernel(
    y_ptr,
    bias_ptr,
    out_ptr,
    C,
    HW,
    scale,
    BLOCK_P: tl.constexpr,
    BLOCK_C: tl.constexpr,
):
    strip = tl.program_id(0)
    image = tl.program_id(1).to(tl.int64)
    pixels = strip * BLOCK_P + tl.arange(0, BLOCK_P)
    chans = tl.arange(0, BLOCK_C)
    pixel_ok = pixels < HW
    chan_ok = chans < C
    mask = pixel_ok[:, None] & chan_ok[None, :]

    # y is NHWC: pixel (image, p) holds its C channels contiguously.
    src = (image * HW + pixels)[:, None] * C + chans[None, :]
    y = tl.load(y_ptr + src, mask=mask, other=float("-inf")).to(tl.float32)

    row_max = tl.where(pixel_ok, tl.max(y, axis=1), 0.0)
    e = tl.exp2((y - row_max[:, None]) * 1.4426950408889634)
    inv = 1.0 / tl.where(pixel_ok, tl.sum(e, axis=1), 1.0)

    b = tl.load(bias_ptr + chans, mask=chan_ok, other=0.0).to(tl.float32)
    z = (e * inv[:, None] + b[None, :]) * scale
    out = 1.0 / (1.0 + tl.exp2(z * -1.4426950408889634))

    # out is NCHW contiguous, like the reference's output: pixels are its stride-1 axis.
    dst = image * C * HW + chans[None, :] * HW + pixels[:, None]
    tl.store(out_ptr + dst, out.to(out_ptr.dtype.element_ty), mask=mask)


def nhwc_post_conv(y, bias, scale):
    n, c, h, w = y.shape
    hw = h * w
    # A no-op when the convolution already returned NHWC.
    y = y.contiguous(memory_format=torch.channels_last)
    out = torch.empty((n, c, h, w), device=y.device, dtype=y.dtype)
    grid = (triton.cdiv(hw, BLOCK_P), n)
    nhwc_softmax_bias_scale_sigmoid_kernel[grid](
        y,
        bias.reshape(c).contiguous(),
        out,
        c,
        hw,
        float(scale),
        BLOCK_P=BLOCK_P,
        BLOCK_C=triton.next_power_of_2(c),
        num_warps=NUM_WARPS,
        num_stages=NUM_STAGES,
    )
    return out


class ModelNew(nn.Module):
    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride,
        padding,
        output_padding,
        bias_shape,
        scaling_factor,
    ):
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

    def forward(self, x):
        y = self.conv_transpose(x.contiguous(memory_format=torch.channels_last))
        return nhwc_post_conv(y, self.bias, self.scaling_factor)