"""The comparison of compare.py in one pass over memory, as a Triton kernel the judge runs.

A judged output on a GPU is read once: the candidate's values, the expected ones and the
problem-precision reference's, each element compared in float64. Every block of elements writes
its partial statistics (non-finite values, mismatches, largest error, largest relative error,
largest excess over the tolerance and where); the few thousand partials are reduced with
PyTorch. A comparison in PyTorch operations reads and writes the same gigabytes many times
over (the judge's profile on an H100, 2026-12-06: 82 ms a comparison of a 537-million-element
output, before compare.py's few-pass path; one pass over its 8.6 GB would take about 3 ms at
that GPU's copy bandwidth), and every output the runner produces is judged, the timed ones on
a sample.

The kernel decides only the common case, every value finite: when it counts a non-finite one,
`compare.py` judges the output again with its exact rules for NaN and infinity. The judge's own
Triton cache holds the compiled kernel; the runner cannot write there.

Called by compare.py for every comparison on a GPU. Its agreement with the chunked path is tested
under Triton's interpreter (tests/test_compare_kernel.py) and on a GPU by
tools/device/compare_kernel_check.py (docs/validation/2026-12-06-judge.md).
"""

from __future__ import annotations

from typing import Any

import torch
import triton
import triton.language as tl

BLOCK = 2048
# Columns of a block's partials.
NONFINITE, BAD, MAX_ABS, MAX_REL, MAX_EXCESS, WORST = range(6)
COLUMNS = 6


@triton.jit
def _partials(
    got_ptr,
    expected_ptr,
    like_ptr,
    out_ptr,
    n,
    atol,
    rtol,
    slack,
    rel_floor,
    BLOCK: tl.constexpr,
    COLUMNS: tl.constexpr,
):
    pid = tl.program_id(0)
    offsets = pid.to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    got = tl.load(got_ptr + offsets, mask=mask, other=0.0).to(tl.float64)
    expected = tl.load(expected_ptr + offsets, mask=mask, other=0.0).to(tl.float64)
    like = tl.load(like_ptr + offsets, mask=mask, other=0.0).to(tl.float64)
    # x - x is 0 for a finite x and NaN for NaN or an infinity: one test for all three values.
    finite = ((got - got) == 0) & ((expected - expected) == 0) & ((like - like) == 0)
    nonfinite = tl.sum((mask & ~finite).to(tl.float64), axis=0)
    diff = tl.where(mask & finite, tl.abs(got - expected), 0.0)
    magnitude = tl.abs(expected)
    allowed = tl.maximum(atol + rtol * magnitude, slack)
    excess = tl.where(mask & finite, diff - allowed, -float("inf"))
    bad = tl.sum((excess > 0).to(tl.float64), axis=0)
    rel = diff / (magnitude + rel_floor)
    worst_local = tl.argmax(excess, axis=0)
    row = out_ptr + pid * COLUMNS
    tl.store(row + 0, nonfinite)
    tl.store(row + 1, bad)
    tl.store(row + 2, tl.max(diff, axis=0))
    tl.store(row + 3, tl.max(rel, axis=0))
    tl.store(row + 4, tl.max(excess, axis=0))
    tl.store(row + 5, worst_local.to(tl.float64))


def statistics(
    expected: torch.Tensor, got: torch.Tensor, like: torch.Tensor, tol: Any
) -> dict[str, Any] | None:
    """compare.py's statistics of `got` against `expected` under `tol` (flat index of the worst
    element as `worst_flat`), or None when a value is not finite in any of the three tensors
    (compare.py then decides exactly). All three hold the same number of elements, contiguous,
    on one device."""
    n = expected.numel()
    blocks = triton.cdiv(n, BLOCK)
    partials = torch.empty((blocks, COLUMNS), dtype=torch.float64, device=expected.device)
    _partials[(blocks,)](
        got,
        expected,
        like,
        partials,
        n,
        float(tol.atol),
        float(tol.rtol),
        float(tol.slack),
        max(float(tol.atol), 1e-30),
        BLOCK=BLOCK,
        COLUMNS=COLUMNS,
    )
    block = int(torch.argmax(partials[:, MAX_EXCESS]))
    summary = torch.stack(
        [
            partials[:, NONFINITE].sum(),
            partials[:, BAD].sum(),
            partials[:, MAX_ABS].max(),
            partials[:, MAX_REL].max(),
            partials[block, MAX_EXCESS],
            partials[block, WORST],
        ]
    ).tolist()
    nonfinite, bad, max_abs, max_rel, _, local = summary
    if nonfinite:
        return None
    worst = block * BLOCK + int(local)
    return {
        "bad": int(bad),
        "max_abs": max_abs,
        "max_rel": max_rel,
        "worst_flat": worst,
        "expected_at_worst": float(expected[worst]),
        "got_at_worst": float(got[worst]),
    }
