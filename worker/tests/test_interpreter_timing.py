"""The interpreted forward's wall time, asked for with `timing.interpreter`: measured only when
asked, kept out of `timing`, and enough to order two kernels that launch very different numbers
of programs (honest/add_relu.py, BLOCK=256, against honest/add_relu_small_block.py, BLOCK=16)."""

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, run_worker_eval
from lathe_worker import interpreter_timing, timed_calls
from lathe_worker.protocol import parse_request

# The small-block kernel launches 16x the programs; its interpreted forward measured 11-12x
# slower on a two-core machine. Far enough below that for a busy CI runner.
SLOWER_BY_AT_LEAST = 4.0


def run_eval(tmp_path: Path, candidate: str, *, interpreter: bool) -> dict:
    return run_worker_eval(tmp_path, "problems/add_relu.py", candidate, interpreter=interpreter)


def correct_verdict(result: dict) -> dict:
    assert result["outcome"] == "verdict", result
    verdict = result["verdict"]
    assert verdict["kind"] == "correct", verdict
    return verdict


def test_the_interpreter_orders_a_kernel_by_the_programs_it_launches(tmp_path):
    fast = correct_verdict(run_eval(tmp_path, "honest/add_relu.py", interpreter=True))
    slow = correct_verdict(run_eval(tmp_path, "honest/add_relu_small_block.py", interpreter=True))
    for verdict in (fast, slow):
        # Never GPU timing: `timing` stays empty and says why.
        assert verdict["timing"] is None
        assert "interpreter" in verdict["timing_note"]
        measured = verdict["interpreter_timing"]
        assert measured["note"] == interpreter_timing.NOTE
        assert measured["candidate_ms"]["runs"] == interpreter_timing.RUNS
        assert measured["reference_ms"]["runs"] == interpreter_timing.RUNS
        assert not any("speedup" in key for key in measured)
    fast_ms = fast["interpreter_timing"]["candidate_ms"]["median"]
    slow_ms = slow["interpreter_timing"]["candidate_ms"]["median"]
    assert slow_ms > SLOWER_BY_AT_LEAST * fast_ms, (slow_ms, fast_ms)


def test_without_the_flag_nothing_is_measured(tmp_path):
    result = run_eval(tmp_path, "honest/add_relu.py", interpreter=False)
    verdict = correct_verdict(result)
    assert "interpreter_timing" not in verdict and verdict["timing"] is None
    assert "interpreter_timing" not in [p["name"] for p in result["phases"]]


def test_the_interpreted_calls_are_judged_as_they_run(tmp_path):
    """No recheck after the timing: every measured call's inputs are fresh, and the first ones,
    the last one and a random sample of the rest are judged against the reference."""
    result = run_eval(tmp_path, "honest/add_relu.py", interpreter=True)
    names = [p["name"] for p in result["phases"]]
    assert names[-1] == "interpreter_timing", names
    check = result["verdict"]["interpreter_timing"]["cross_check"]
    assert check["calls"] >= interpreter_timing.RUNS
    assert timed_calls.VERIFY_FIRST < check["judged_calls"] <= check["calls"]


@pytest.mark.parametrize(
    ("device", "enabled", "asked", "measured"),
    [
        ("interpret", True, True, True),
        ("interpret", True, False, False),
        ("interpret", False, True, False),  # `enabled: false` switches every measurement off
        ("cuda", True, True, False),  # ignored on a GPU: it has real timing
    ],
)
def test_the_request_field_counts_only_on_the_interpreter(device, enabled, asked, measured):
    data = json.loads((EXAMPLES / "request_eval.json").read_text())
    data["device"] = device
    data["timing"] |= {"enabled": enabled, "interpreter": asked}
    assert parse_request(data).timing.interpreter is measured


def test_the_field_is_off_by_default():
    data = json.loads((EXAMPLES / "request_eval.json").read_text()) | {"device": "interpret"}
    del data["timing"]["interpreter"]
    assert parse_request(data).timing.interpreter is False


def test_the_shared_example_has_the_shape_the_worker_builds():
    example = json.loads((EXAMPLES / "result_correct_interpret.json").read_text())
    shown = example["verdict"]["interpreter_timing"]
    built = interpreter_timing.result([3.0, 1.0, 2.0], [0.5])
    # The judge adds its check of the runner's times (timing_check.py) to what `result` builds.
    assert set(shown) == set(built) | {"cross_check"}
    assert set(shown["candidate_ms"]) == set(built["candidate_ms"])
    assert set(shown["reference_ms"]) == set(built["reference_ms"])
    assert shown["note"] == interpreter_timing.NOTE
    assert example["verdict"]["timing"] is None


def test_one_slow_call_of_five_does_not_become_the_spread():
    """A busy CPU slows one call: the spread stays that of the other four, so a real gain
    still clears it (a CI run on a busy runner once kept no faster kernel for this reason)."""
    steady = interpreter_timing.summarize([10.0, 10.2, 10.1, 9.9, 10.0])
    one_slow = interpreter_timing.summarize([10.0, 10.2, 200.0, 9.9, 10.0])
    assert steady["iqr"] == pytest.approx(0.1)
    assert one_slow["median"] == 10.0
    assert one_slow["iqr"] == pytest.approx(0.2)
    assert one_slow["max"] == 200.0
