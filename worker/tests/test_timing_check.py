"""The judge's check of the runner's reported times against its own clock (timing_check.py)."""

import pytest
import torch

from lathe_worker.timed_calls import TimedCalls
from lathe_worker.timing import CallTimer
from lathe_worker.timing_check import (
    Calibration,
    CheckLimits,
    OverheadExceeded,
    cross_check,
    judges_times,
)
from lathe_worker.verdicts import VerdictReached

# Honest calibration on a GPU: about 0.3 ms of messages, input making and export per call.
CALIBRATION = Calibration((0.30, 0.31, 0.29, 0.30, 0.32, 0.30, 0.31, 0.29, 0.30, 0.30))


def test_honest_calls_agree_with_the_judges_clock():
    reported = [1.0, 1.01, 0.99, 1.0]
    spans = [r + 0.31 for r in reported]
    evidence = cross_check(CALIBRATION, spans, reported, CheckLimits.gpu())
    assert evidence["overhead_ms"] == pytest.approx(0.31)
    assert evidence["limit_ms"] > evidence["overhead_ms"]


def test_a_time_longer_than_the_whole_call_is_rejected():
    with pytest.raises(VerdictReached) as caught:
        cross_check(CALIBRATION, [1.0, 1.0], [0.5, 2.0], CheckLimits.gpu())
    verdict = caught.value.verdict
    assert verdict["rule"] == "timing-mismatch"
    assert "timed call 1 reported 2.0000 ms" in verdict["evidence"]


def test_work_moved_out_of_the_timed_window_is_rejected():
    # The runner reports 0.1 ms a call, while each call keeps the judge waiting 1.4 ms: a
    # millisecond of each goes unreported.
    reported = [0.1] * 20
    spans = [1.4] * 20
    with pytest.raises(VerdictReached) as caught:
        cross_check(CALIBRATION, spans, reported, CheckLimits.gpu())
    assert caught.value.verdict["rule"] == "timing-mismatch"
    assert "went unreported" in caught.value.verdict["evidence"]


def test_the_allowance_grows_with_the_call_and_the_calibrations_noise():
    limits = CheckLimits.gpu()
    quiet = Calibration((0.3,) * 10)
    noisy = Calibration((0.2, 0.3, 0.4, 0.5) * 3)
    assert limits.allowed_excess_ms(quiet, 10.0) == pytest.approx(0.1 + 0.5)
    assert limits.allowed_excess_ms(noisy, 10.0) > limits.allowed_excess_ms(quiet, 10.0)


def test_on_the_cpu_a_disagreement_never_refuses_and_the_judges_clock_stands_in():
    # A busy 2-core machine: 10 ms of each interpreted call went unreported, where lathe's own
    # overhead was 1.1 ms before the candidate loaded (seen in CI on an honest kernel).
    calibration = Calibration((1.1,) * 10)
    reported = [8.5] * 5
    spans = [18.5] * 5
    evidence = cross_check(calibration, spans, reported, CheckLimits.cpu())
    assert "went unreported" in evidence["disagreed"]
    assert judges_times(calibration, spans) == pytest.approx([17.4] * 5)
    # The same numbers on a GPU refuse the kernel.
    with pytest.raises(VerdictReached):
        cross_check(calibration, spans, reported, CheckLimits.gpu())


def test_on_the_cpu_a_time_longer_than_the_whole_call_still_refuses():
    with pytest.raises(VerdictReached):
        cross_check(CALIBRATION, [1.0, 1.0], [0.5, 2.0], CheckLimits.cpu())


def test_only_unreported_time_is_an_overhead_exceeded():
    """Rule 2 (unreported time) raises OverheadExceeded, which the timing measures again before
    refusing; rule 1 (a time longer than the call) is a plain refusal."""
    with pytest.raises(OverheadExceeded):
        cross_check(CALIBRATION, [1.4] * 20, [0.1] * 20, CheckLimits.gpu())
    with pytest.raises(VerdictReached) as caught:
        cross_check(CALIBRATION, [1.0, 1.0], [0.5, 2.0], CheckLimits.gpu())
    assert not isinstance(caught.value, OverheadExceeded)


class Scripted(TimedCalls):
    """TimedCalls whose calls report scripted (reported ms, span ms): the measuring logic alone."""

    def __init__(self, calls: list[tuple[float, float]]) -> None:
        self.timer = CallTimer(torch.device("cpu"))
        self.limits = CheckLimits.gpu()
        self.calibration = CALIBRATION
        self.total = self.verified = 0
        self.pending = None
        self.calls = list(calls)

    def iteration(self) -> tuple[float, float, float]:
        reported, span = self.calls.pop(0)
        self.total += 1
        return 1.0, reported, span


HONEST = (1.0, 1.31)
# A millisecond of each call unreported, as a kernel that finishes its work after the events
# would show (or an honest one meeting a passing disturbance of the host, once).
UNREPORTED = (1.0, 2.31)


def test_a_disagreement_once_is_measured_again_and_the_second_measurement_stands():
    timed = Scripted([UNREPORTED] * 4 + [HONEST] * 4)
    _, candidate, check = timed._run((0, 0.0), (4, 0.0), (4, 60.0))
    assert candidate == [1.0] * 4 and not timed.calls
    assert len(check["measured_again_after"]) == 1
    assert "went unreported" in check["measured_again_after"][0]


def test_a_disagreement_in_both_measurements_refuses_with_both():
    timed = Scripted([UNREPORTED] * 8)
    with pytest.raises(VerdictReached) as caught:
        timed._run((0, 0.0), (4, 0.0), (4, 60.0))
    evidence = caught.value.verdict["evidence"]
    assert caught.value.verdict["rule"] == "timing-mismatch"
    assert evidence.count("went unreported") == 2 and "then again" in evidence


def test_a_time_longer_than_the_call_refuses_at_once():
    timed = Scripted([(3.0, 1.3)] * 4 + [HONEST] * 4)
    with pytest.raises(VerdictReached):
        timed._run((0, 0.0), (4, 0.0), (4, 60.0))
    assert len(timed.calls) == 4
