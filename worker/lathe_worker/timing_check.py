"""The judge's check of the runner's times against its own clock.

The runner times each call (events on a GPU, the wall clock on the CPU) and reports the number;
the runner runs candidate code, so the number proves nothing by itself. The judge's clock
brackets every timed call from the command to the reply, and that span holds the call plus an
overhead that does not depend on the candidate: the command and reply messages, making the
inputs, the L2 flush, the events, the guards, copying the outputs out. The judge measures that
overhead before the candidate is imported, when the runner is still lathe's code alone
(`calibrate`, with a spin of known length in the candidate's place).

Then, for the candidate's timed calls:
1. no reported time may exceed the judge's span around it (`SPAN_SLACK` for clock granularity);
2. the median overhead (judge's span minus reported time) may exceed the calibrated median by
   at most `CheckLimits.allowed_excess_ms`: on a GPU 0.1 ms, plus 5% of the reported median,
   plus three times the calibration's spread (on the CPU, where the interpreter's wall time is
   noisier and only orders kernels: 2 ms and 25%). Work moved out of the timed window (a
   deferred computation, a result finished after the events, a faked number) lands in the
   overhead and is caught once it is larger than that.
A violation is `rejected` with rule `timing-mismatch` and the numbers, on a GPU; for rule 2
only when a second measurement (fresh calls, the same calibration) breaks it as well. On the CPU
(Triton's interpreter) a busy machine alone can put ten milliseconds between the two clocks,
and the time there only orders kernels: rule 2 never refuses a kernel there. The evidence says
the clocks disagreed, and the judge's own clock (its span less the calibrated overhead) stands
in for the runner's numbers, so work moved out of the window still gains nothing. Rule 1 (a
time longer than the whole call) cannot happen honestly anywhere and refuses everywhere.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from lathe_worker.timing import quartiles
from lathe_worker.verdicts import VerdictReached, rejected

SPAN_SLACK = 1.02
SPAN_SLACK_MS = 0.05
SPREAD_FACTOR = 3.0


class OverheadExceeded(VerdictReached):
    """Rule 2 broken: more unreported time per call than calibration allows. On a GPU the judge
    measures once more before it refuses (`TimedCalls._run`): a single measurement can meet a
    passing disturbance of the host (seen on an H100: an honest matmul's calls took 1 ms more
    of the judge's time than calibration's, once in three runs), a kernel that moves its work
    out of the window meets the limit every time."""


@dataclass(frozen=True)
class CheckLimits:
    floor_ms: float
    fraction: float
    # Whether unreported time past the limit refuses the kernel (a GPU), or only replaces the
    # runner's times with the judge's (the interpreter, see the module's note).
    refuses: bool = True

    @staticmethod
    def gpu() -> CheckLimits:
        return CheckLimits(floor_ms=0.1, fraction=0.05)

    @staticmethod
    def cpu() -> CheckLimits:
        return CheckLimits(floor_ms=2.0, fraction=0.25, refuses=False)

    def allowed_excess_ms(self, calibration: Calibration, reported_median_ms: float) -> float:
        return (
            self.floor_ms
            + self.fraction * reported_median_ms
            + SPREAD_FACTOR * calibration.spread_ms
        )


@dataclass(frozen=True)
class Calibration:
    """Per-call overheads (judge's span minus the runner's time) of the honest spin calls."""

    overheads_ms: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.overheads_ms)

    @property
    def spread_ms(self) -> float:
        ordered = sorted(self.overheads_ms)
        if len(ordered) < 4:
            return ordered[-1] - ordered[0]
        q1, _, q3 = quartiles(ordered)
        return q3 - q1


def cross_check(
    calibration: Calibration,
    spans_ms: list[float],
    reported_ms: list[float],
    limits: CheckLimits,
) -> dict[str, Any]:
    """The evidence of an agreeing check; raises VerdictReached(timing-mismatch) otherwise."""
    for i, (span, reported) in enumerate(zip(spans_ms, reported_ms, strict=True)):
        if reported > span * SPAN_SLACK + SPAN_SLACK_MS:
            raise VerdictReached(
                rejected(
                    "timing-mismatch",
                    f"timed call {i} reported {reported:.4f} ms, but the judge's clock saw the "
                    f"whole call take {span:.4f} ms",
                )
            )
    overheads = [span - reported for span, reported in zip(spans_ms, reported_ms, strict=True)]
    overhead = statistics.median(overheads)
    reported_median = statistics.median(reported_ms)
    limit = calibration.median_ms + limits.allowed_excess_ms(calibration, reported_median)
    evidence = {
        "calibration_overhead_ms": round(calibration.median_ms, 4),
        "calibration_spread_ms": round(calibration.spread_ms, 4),
        "overhead_ms": round(overhead, 4),
        "overhead_quartiles_ms": [round(q, 4) for q in quartiles(overheads)],
        "limit_ms": round(limit, 4),
        "span_median_ms": round(statistics.median(spans_ms), 4),
    }
    if overhead > limit:
        why = (
            f"the runner reported a median of {reported_median:.4f} ms per call, but the "
            f"judge's clock saw {statistics.median(spans_ms):.4f} ms per call: "
            f"{overhead:.4f} ms of each call went unreported, where lathe's own overhead "
            f"measured before the candidate was loaded is {calibration.median_ms:.4f} ms "
            f"(at most {limit:.4f} ms allowed)"
        )
        if limits.refuses:
            raise OverheadExceeded(rejected("timing-mismatch", why))
        evidence["disagreed"] = why + "; the judge's clock stands in for the runner's times"
    return evidence


def judges_times(calibration: Calibration, spans_ms: list[float]) -> list[float]:
    """Per-call times by the judge's clock alone: each span less the calibrated overhead."""
    return [max(0.0, span - calibration.median_ms) for span in spans_ms]
