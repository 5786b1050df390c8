"""Wall time of the forward under Triton's CPU interpreter: an opt-in order for CI, never a GPU
time.

Under ``TRITON_INTERPRET=1`` every program of a launch runs one after another as NumPy code, so
an interpreted forward costs about (programs launched) x (work per program). That orders two
kernels by the work the interpreter does, which is enough for a CPU-only run to keep the kernel
that launches far fewer programs; it says nothing about memory traffic, occupancy or anything
else a GPU cares about. So the result lives in its own field (``interpreter_timing``), never in
``timing``, carries its note, and holds no speedup.

The method is ``Timer``'s, cut down to what an interpreter can afford: one warm-up round, then
up to ``RUNS`` timed rounds, candidate and reference interleaved call by call, stopped early
once the whole measurement has taken ``BUDGET_SECONDS`` (at least one timed round always runs).
The clock is the one captured before the candidate was imported [integrity row 4].
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

RUNS = 5
WARMUP_RUNS = 1
BUDGET_SECONDS = 30.0
NOTE = (
    "Triton's CPU interpreter: orders kernels by the work the interpreter does "
    "(programs launched x work per program); not GPU performance"
)


def measure(
    callables: dict[str, Callable[[], Any]],
    clock: Callable[[], float],
    after_call: Callable[[str], None],
    *,
    runs: int = RUNS,
    warmup_runs: int = WARMUP_RUNS,
    budget_seconds: float = BUDGET_SECONDS,
) -> dict[str, list[float]]:
    """Milliseconds per timed call, by name. `after_call(name)` runs after each call, outside
    the timed span (the harness's checks on what the call left behind)."""
    started = clock()
    for _ in range(warmup_runs):
        for name, fn in callables.items():
            fn()
            after_call(name)
    times: dict[str, list[float]] = {name: [] for name in callables}
    while True:
        for name, fn in callables.items():
            begin = clock()
            fn()
            times[name].append((clock() - begin) * 1e3)
            after_call(name)
        done = len(times[next(iter(times))])
        if done >= runs or clock() - started >= budget_seconds:
            return times


def summarize(times_ms: list[float]) -> dict[str, Any]:
    """Median, spread and extremes of one callable's timed calls, in milliseconds."""
    ordered = sorted(times_ms)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) >= 2 else [ordered[0]] * 3
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
