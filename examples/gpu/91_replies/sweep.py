"""Times the replies' post-convolution kernels alone, with parameter variants, on one fixed `y`.

Why: `lathe eval` times the whole forward, where the transposed convolution (2.7 ms in NCHW on
an H100) hides how the fused kernels differ; this sweep chose the replies' tile sizes. It times
the convolution in both layouts, PyTorch's own post-convolution ops, and each (reply, parameters)
row with `triton.testing.do_bench` (median), and checks each output against PyTorch.

Usage, on a GPU, after `measure.sh` has extracted the kernels into OUT_DIR/kernels:
    python3 examples/gpu/91_replies/sweep.py OUT_DIR/kernels
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import torch
import triton.testing

# (reply, its wrapper function, the layout of y it takes, module constants to override).
ROWS: list[tuple[str, str, str, dict[str, int]]] = [
    ("seed", "fused_post_convtranspose", "nchw", {}),
    ("grid_and_parallel_1", "channel_softmax_bias_scale_sigmoid", "nchw", {"BLOCK_HW": 16}),
    ("grid_and_parallel_2", "fused_post_conv", "nchw", {"BLOCK_HW": 32}),
    ("grid_and_parallel_2", "fused_post_conv", "nchw", {"BLOCK_HW": 64}),
    ("block_tiling_2", "chunked_post_conv", "nchw", {"BLOCK_HW": 128, "CHUNK_C": 32}),
    ("block_tiling_2", "chunked_post_conv", "nchw", {"BLOCK_HW": 64, "CHUNK_C": 32}),
    ("memory_access_2", "streaming_post_conv", "nchw", {"BLOCK_HW": 32}),
    ("memory_and_tuning_1", "persistent_post_conv", "nhwc", {"PROGRAMS_PER_SM": 2}),
    ("memory_and_tuning_1", "persistent_post_conv", "nhwc", {"PROGRAMS_PER_SM": 4}),
    ("memory_and_tuning_1", "persistent_post_conv", "nhwc", {"PROGRAMS_PER_SM": 8}),
    ("memory_and_tuning_1", "persistent_post_conv", "nhwc", {"PROGRAMS_PER_SM": 16}),
    ("memory_and_tuning_2", "nhwc_post_conv", "nhwc", {}),
]
ROWS += [
    ("block_tiling_1", "tiled_post_conv", "nchw", {"BLOCK_HW": hw, "NUM_WARPS": warps})
    for hw, warps in [(16, 4), (32, 4), (32, 8), (64, 4), (64, 8), (128, 4), (128, 8)]
]
ROWS += [
    ("memory_access_1", "nhwc_post_conv", "nhwc", {"BLOCK_P": p, "NUM_WARPS": warps})
    for p, warps in [(8, 2), (16, 2), (16, 4), (32, 4), (32, 8), (64, 4), (64, 8), (128, 4)]
]


def bench(fn: Callable[[], object]) -> float:
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def load(path: Path, overrides: dict[str, int]) -> object:
    spec = importlib.util.spec_from_file_location(f"reply_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, value in overrides.items():
        setattr(module, name, value)
    return module


@torch.no_grad()
def main(kernels: Path) -> None:
    torch.manual_seed(0)
    x = torch.rand(128, 64, 64, 64, device="cuda")
    conv = torch.nn.ConvTranspose2d(64, 128, 4, stride=2, padding=1, output_padding=1).cuda()
    bias = torch.randn(128, 1, 1, device="cuda")
    y = conv(x).contiguous()
    y_nhwc = y.contiguous(memory_format=torch.channels_last)
    ref = torch.sigmoid((torch.softmax(y, 1) + bias) * 2.0)
    x_nhwc = x.contiguous(memory_format=torch.channels_last)
    print(f"conv nchw            {bench(lambda: conv(x)):.4f} ms")
    print(f"conv nhwc (x given)  {bench(lambda: conv(x_nhwc)):.4f} ms")
    conv_with_copy = bench(lambda: conv(x.contiguous(memory_format=torch.channels_last)))
    print(f"conv nhwc + x copy   {conv_with_copy:.4f} ms")
    eager = bench(lambda: torch.sigmoid((torch.softmax(y, 1) + bias) * 2.0))
    print(f"eager post-conv      {eager:.4f} ms")
    for name, wrapper, layout, overrides in ROWS:
        fn = getattr(load(kernels / f"{name}.py", overrides), wrapper)
        src = y_nhwc if layout == "nhwc" else y
        try:
            err = (fn(src, bias, 2.0) - ref).abs().max().item()
            ms = bench(lambda: fn(src, bias, 2.0))  # noqa: B023
        except Exception as e:
            print(f"{name:22s} {overrides!s:40s} FAILED {type(e).__name__}: {str(e)[:300]}")
            continue
        gb_s = 2 * y.numel() * y.element_size() / ms / 1e6
        print(f"{name:22s} {overrides!s:40s} {ms:.4f} ms  {gb_s:6.0f} GB/s  err {err:.2e}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
