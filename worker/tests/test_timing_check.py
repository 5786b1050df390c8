"""The judge's check of the runner's reported times against its own clock (timing_check.py)."""

import pytest

from lathe_worker.timing_check import Calibration, CheckLimits, cross_check, judges_times
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
