"""The speed-of-light bound: no correct kernel can run faster than the bytes it must move over
the measured copy bandwidth, nor faster than its matrix-product and convolution flops over the
fastest rate this GPU's tensor cores reach [integrity rows 17 and 19]. A time under the bound
(with `SLACK`) is `rejected` with rule `faster-than-light`.

The flop rate is the measured dense bf16 rate (`timing.matmul_tflops`), for every problem
precision: a float32 problem done in bf16 would rarely pass the tolerance, but the bound must
never refuse an honest kernel. Half-precision problems get twice that rate (fp8 tensor cores).
"""

from __future__ import annotations

from typing import Any

import torch

from lathe_worker.verdicts import VerdictReached, rejected

# How far under each bound a time must be to be impossible. Bytes: the datasheet bandwidth of
# the H100 and H200 is 1.12x what the copy measures. Flops: the measured bf16 rate is about 0.8x
# the datasheet's dense peak, and twice it covers fp8 for half-precision outputs; 1.5 leaves
# room for a rate measured on a busy or throttled GPU.
SLACK = 1.15
FLOP_SLACK = 1.5


def _nbytes(items: list[Any]) -> int:
    return sum(x.numel() * x.element_size() for x in items if isinstance(x, torch.Tensor))


def bound(
    *,
    inputs: list[Any],
    state: list[torch.Tensor],
    outputs: list[torch.Tensor],
    l2_bytes: int,
    copy_gb_s: float,
    flops: int | None,
    bf16_tflops: float | None,
    median_ms: float,
) -> dict[str, Any]:
    """The bound's figures; raises VerdictReached(faster-than-light) for a time under it."""
    read = _nbytes(inputs) + _nbytes(state)
    written = _nbytes(outputs)
    # Inputs and parameters come from DRAM after the flush; outputs may partly stay in L2.
    must_move = read + max(0, written - l2_bytes)
    byte_ms = must_move / (copy_gb_s * 1e9) * 1e3
    result: dict[str, Any] = {
        "bytes": read + written,
        "bytes_past_l2": must_move,
        "copy_gb_s": copy_gb_s,
        "byte_bound_ms": byte_ms,
    }
    flop_ms = 0.0
    if flops and bf16_tflops:
        half = any(t.dtype in (torch.float16, torch.bfloat16) for t in outputs)
        peak = bf16_tflops * (2 if half else 1)
        flop_ms = flops / (peak * 1e12) * 1e3
        result |= {"flops": flops, "peak_tflops": peak, "flop_bound_ms": flop_ms}
    bound_ms = max(byte_ms, flop_ms)
    result |= {
        "bound_ms": bound_ms,
        "fraction": bound_ms / median_ms if median_ms > 0 else None,
    }
    if median_ms * SLACK < byte_ms:
        raise VerdictReached(
            rejected(
                "faster-than-light",
                f"median {median_ms:.4f} ms is under the {byte_ms:.4f} ms it takes to move "
                f"{must_move} bytes at the measured {copy_gb_s:.0f} GB/s",
            )
        )
    if median_ms * FLOP_SLACK < flop_ms:
        raise VerdictReached(
            rejected(
                "faster-than-light",
                f"median {median_ms:.4f} ms is under the {flop_ms:.4f} ms it takes to do "
                f"{flops} flops at {result['peak_tflops']:.0f} TFLOP/s, this GPU's fastest "
                "measured tensor-core rate",
            )
        )
    return result
