"""Timing the candidate from the judge: calibration first, then timed calls interleaved with the
eager reference, each one checked.

- Calibration (before the candidate is imported): the runner's timed-call path with a spin of
  known length in the candidate's place, to learn the honest overhead per call
  (timing_check.py). Each calibration call follows a call of the judge's eager reference, as
  each timed call does, so the overhead is learnt in the conditions it is checked in (not in
  a lean evaluation, for its memory).
- Every timed call gets the inputs of a fresh, unpredictable seed, made by the judge (for the
  eager reference, timed in the judge) and by the runner (for the candidate) outside the timed
  window: a cache keyed by pointer, shape or sampled values never hits [integrity row 5].
- The eager reference's output of the same inputs is the expected answer: the first calls, the
  last one and a random sample of the others are judged against it, and the runner cannot know
  which [rows 6, 11]. A wrong one is `rejected` with rule `changed-after-timing`.
- Every reported time is checked against the judge's clock around its call (`timing-mismatch`).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lathe_worker import interpreter_timing, models
from lathe_worker.compare import as_tensor_list
from lathe_worker.correctness import Expected
from lathe_worker.exports import dtype_name
from lathe_worker.speed_of_light import bound
from lathe_worker.timing import CallTimer, summarize
from lathe_worker.timing_check import (
    Calibration,
    CheckLimits,
    OverheadExceeded,
    cross_check,
    judges_times,
)
from lathe_worker.verdicts import VerdictReached, rejected

CALIBRATION_WARMUP = 2
CALIBRATION_CALLS = 10
# The first timed calls are always judged, then this fraction of the rest, then the last.
VERIFY_FIRST = 2
VERIFY_FRACTION = 0.2
# The spin that stands in for the candidate in calibration: as long as the reference's call,
# within these bounds (ms).
SPIN_MS = (0.02, 20.0)
# Measurements of the timed calls before a disagreement of the clocks (rule 2 of
# timing_check.py) refuses the kernel on a GPU.
MEASUREMENTS = 2
SEED_RANGE = 1 << 62


class TimedCalls:
    def __init__(self, evaluation: Any) -> None:
        self.ev = evaluation
        self.timer = CallTimer(evaluation.device)
        self.cuda = evaluation.device.type == "cuda"
        self.limits = CheckLimits.gpu() if self.cuda else CheckLimits.cpu()
        self.calibration: Calibration | None = None
        self.first: Expected | None = None
        self.total = 0
        self.verified = 0
        self.pending: tuple[int, list[torch.Tensor], Any] | None = None
        # The reference's flops per forward, for the speed-of-light bound (counted by the
        # evaluation before the candidate runs).
        self.flops: int | None = None

    # Calibration ---------------------------------------------------------------------------

    def calibrate(self, first: Expected) -> None:
        self.first = first
        with torch.no_grad():
            _, ref_ms = self.timer.time(lambda: self.ev.reference.model(*first.inputs))
        spin_ms = min(max(ref_ms, SPIN_MS[0]), SPIN_MS[1]) if self.cuda else 1.0
        shapes = [{"shape": list(t.shape), "dtype": dtype_name(t.dtype)} for t in first.r32]
        overheads = []
        # What a timed call follows (`iteration`): the judge's eager call, so that the overhead
        # is learnt on a GPU and a host in the state the timing leaves them in. On copies: a
        # reference that writes to its inputs leaves the first seed's alone. Lean evaluations
        # go without: a copy and an output beside the first seed's tensors would be the
        # judge's peak (judge.md, "GPU memory").
        eager_inputs = None if self.ev.lean else models.fresh_copies(first.inputs)
        for n in range(CALIBRATION_WARMUP + CALIBRATION_CALLS):
            if eager_inputs is not None:
                with torch.no_grad():
                    self.timer.time(lambda: self.ev.reference.model(*eager_inputs))
            header = {
                "op": "calibrate",
                "seed": self._seed(),
                "problem": "main",
                "spin_ms": spin_ms,
                "outputs": shapes,
                "lean": self.ev.lean,
            }
            started = self.timer.clock()
            frame = self.ev.runner.request(header, "calibrate")
            span = (self.timer.clock() - started) * 1e3
            if n >= CALIBRATION_WARMUP:
                overheads.append(span - _milliseconds(frame.header))
        self.calibration = Calibration(tuple(overheads))

    # One timed call ------------------------------------------------------------------------

    def _seed(self) -> int:
        return self.ev.rng.randrange(1, SEED_RANGE)

    def iteration(self) -> tuple[float, float, float]:
        """(eager ms, candidate ms as reported, the judge's span around the candidate's call)."""
        ev = self.ev
        seed = self._seed()
        inputs = models.make_inputs(ev.problems["main"], seed, ev.device)
        with torch.no_grad():
            out, eager_ms = self.timer.time(lambda: ev.reference.model(*inputs))
        expected = [t.detach() for t in as_tensor_list(out, "the reference's")]
        ev.calls += 1
        header = {
            "op": "call",
            "seed": seed,
            "mode": "timed",
            "problem": "main",
            "call": ev.calls,
            "lean": ev.lean,
        }
        started = self.timer.clock()
        frame = ev.runner.request(header, "timing")
        span_ms = (self.timer.clock() - started) * 1e3
        candidate_ms = _milliseconds(frame.header)
        self.total += 1
        self.pending = (self.total, expected, frame)
        if self.total <= VERIFY_FIRST or ev.rng.random() < VERIFY_FRACTION:
            self.verify_pending()
        return eager_ms, candidate_ms, span_ms

    def verify_pending(self) -> None:
        if self.pending is None:
            return
        number, expected, frame = self.pending
        self.pending = None
        got = self.ev.read_outputs(frame.header, frame.blobs)
        judged = self.ev.judge.judge_timed(expected, got)
        self.verified += 1
        if "reason" in judged:
            from lathe_worker.evaluate import describe

            raise VerdictReached(
                rejected(
                    "changed-after-timing",
                    f"timed call {number} (fresh inputs, judged after it returned) is wrong: "
                    + describe(judged),
                )
            )

    def _run(self, warmup: tuple[int, float], runs: tuple[int, float], caps: tuple[int, float]):
        clock = self.timer.clock
        started, done = clock(), 0
        while done < warmup[0] or clock() - started < warmup[1]:
            self.iteration()
            done += 1
            if clock() - started > caps[1]:
                break
        assert self.calibration is not None
        earlier: list[str] = []
        while True:
            eager, candidate, spans = self._measure(runs, caps)
            try:
                check = cross_check(self.calibration, spans, candidate, self.limits)
                break
            except OverheadExceeded as exceeded:
                earlier.append(exceeded.verdict["evidence"])
                if len(earlier) == MEASUREMENTS:
                    exceeded.verdict["evidence"] = "; then again: ".join(earlier)
                    raise
        check |= {"calls": self.total, "judged_calls": self.verified}
        if earlier:
            check["measured_again_after"] = earlier
        if "disagreed" in check:
            candidate = judges_times(self.calibration, spans)
        return eager, candidate, check

    def _measure(
        self, runs: tuple[int, float], caps: tuple[int, float]
    ) -> tuple[list[float], list[float], list[float]]:
        """The measured calls: (eager ms, candidate ms as reported, the judge's spans)."""
        clock = self.timer.clock
        eager, candidate, spans = [], [], []
        started = clock()
        while True:
            e, c, s = self.iteration()
            eager.append(e)
            candidate.append(c)
            spans.append(s)
            elapsed = clock() - started
            if (len(candidate) >= runs[0] and elapsed >= runs[1]) or (
                len(candidate) >= caps[0] or elapsed >= caps[1]
            ):
                break
        self.verify_pending()
        return eager, candidate, spans

    # GPU timing ----------------------------------------------------------------------------

    def gpu_timing(self) -> dict[str, Any]:
        cfg = self.ev.req.timing
        eager, candidate, check = self._run(
            (cfg.warmup_runs, cfg.warmup_seconds),
            (cfg.min_runs, cfg.min_seconds),
            (cfg.max_runs, cfg.max_seconds),
        )
        stats = {"candidate": summarize(candidate), "eager": summarize(eager)}
        assert self.timer.flush is not None and self.first is not None
        if not self.first.r32 or not self.first.inputs:
            # Given up by a lean evaluation (judge.md, "GPU memory"): the same seed made again.
            self.first = self.ev.expected("main", self.first.seed, with64=False)
        result: dict[str, Any] = {
            **stats,
            "l2_flush_bytes": self.timer.flush.numel(),
            "persisting_l2_reset": self.timer.persisting_l2_reset,
            "cross_check": check,
        }
        median = stats["candidate"]["median_ms"]
        result["speedup_vs_eager"] = stats["eager"]["median_ms"] / median
        if cfg.compile_baseline:
            self.ev.progress("compile_baseline")
            result["compile"] = self.ev.compile_baseline(self.first.inputs, self.timer)
            if "median_ms" in result["compile"]:
                result["speedup_vs_compile"] = result["compile"]["median_ms"] / median
        copy_gb_s, bf16_tflops = self.ev.machine_rates()
        reference = self.ev.reference
        state = list(reference.model.parameters()) + list(reference.model.buffers())
        result["speed_of_light"] = bound(
            inputs=self.first.inputs,
            state=state,
            outputs=self.first.r32,
            l2_bytes=self.timer.l2_bytes,
            copy_gb_s=copy_gb_s,
            flops=self.flops,
            bf16_tflops=bf16_tflops,
            median_ms=median,
        )
        from lathe_worker.fingerprint import nvml_state

        result["clocks"] = nvml_state().get("clocks")
        return result

    # The interpreter -----------------------------------------------------------------------

    def interpreter_timing(self) -> dict[str, Any]:
        """Wall time of the interpreted forward against the eager reference's (what it is worth:
        interpreter_timing.py; never GPU time)."""
        budget = interpreter_timing.BUDGET_SECONDS
        eager, candidate, check = self._run(
            (interpreter_timing.WARMUP_RUNS, 0.0),
            (interpreter_timing.RUNS, 0.0),
            (interpreter_timing.RUNS, budget),
        )
        result = interpreter_timing.result(candidate, eager)
        result["cross_check"] = check
        return result


def _milliseconds(header: dict[str, Any]) -> float:
    value = header.get("ms")
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise VerdictReached(rejected("harness-tamper", f"the runner reported a time of {value!r}"))
    if value < 0:
        raise VerdictReached(rejected("timing-mismatch", f"the runner reported {value} ms"))
    return float(value)
