"""Wall time of the forward under Triton's CPU interpreter: an opt-in order for CI, never a GPU
time.

Under ``TRITON_INTERPRET=1`` every program of a launch runs one after another as NumPy code, so
an interpreted forward costs about (programs launched) x (work per program). That orders two
kernels by the work the interpreter does, which is enough for a CPU-only run to keep the kernel
that launches far fewer programs; it says nothing about memory traffic, occupancy or anything
else a GPU cares about. So the result lives in its own field (``interpreter_timing``), never in
``timing``, carries its note, and holds no speedup.

The calls are made as on a GPU (timed_calls.py: fresh inputs each call, the runner's times
checked against the judge's clock), cut down to what an interpreter can afford: one warm-up
round, then up to ``RUNS`` timed rounds, candidate and reference interleaved call by call,
stopped early once the whole measurement has taken ``BUDGET_SECONDS`` (at least one timed round
always runs).
"""

from __future__ import annotations

import statistics
from typing import Any

RUNS = 5
WARMUP_RUNS = 1
BUDGET_SECONDS = 30.0
NOTE = (
    "Triton's CPU interpreter: orders kernels by the work the interpreter does "
    "(programs launched x work per program); not GPU performance"
)


def summarize(times_ms: list[float]) -> dict[str, Any]:
    """Median, spread and extremes of one callable's timed calls, in milliseconds."""
    ordered = sorted(times_ms)
    # With five calls the default ("exclusive") quartiles reach past the second-slowest call
    # towards the slowest, so one call slowed by a busy CPU made the spread larger than any
    # gain and an honest speed-up was not kept. The inclusive quartiles of five calls are
    # the second and the fourth: one outlier on either side no longer moves the spread.
    quartiles = (
        statistics.quantiles(ordered, n=4, method="inclusive")
        if len(ordered) >= 2
        else [ordered[0]] * 3
    )
    # A tenth of a microsecond is finer than anything an interpreted call can be timed to.
    return {
        "median": round(statistics.median(ordered), 4),
        "iqr": round(quartiles[2] - quartiles[0], 4),
        "min": round(ordered[0], 4),
        "max": round(ordered[-1], 4),
        "mean": round(statistics.fmean(ordered), 4),
        "runs": len(ordered),
        "raw": [round(t, 4) for t in times_ms],
    }


def result(candidate_ms: list[float], reference_ms: list[float]) -> dict[str, Any]:
    """The verdict's `interpreter_timing`: one shape, whatever was measured."""
    return {
        "candidate_ms": summarize(candidate_ms),
        "reference_ms": summarize(reference_ms),
        "warmup_runs": WARMUP_RUNS,
        "budget_seconds": BUDGET_SECONDS,
        "note": NOTE,
    }
