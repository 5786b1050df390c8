"""The second-shape check (batch size + 1) on a problem whose own reference breaks at that size
is skipped with a note, never the problem's error; on a problem that runs there it still runs."""

from pathlib import Path

from conftest import run_worker_eval


def run_eval(tmp_path: Path, problem: str, candidate: str) -> tuple[dict, list[str]]:
    """(the verdict, the evaluation's notes)"""
    result = run_worker_eval(tmp_path, problem, candidate, second_shape=True)
    assert result["outcome"] == "verdict", result
    return result["verdict"], result["notes"]


def test_a_problem_that_breaks_at_the_second_shape_skips_it(tmp_path):
    verdict, notes = run_eval(tmp_path, "problems/hinge_broadcast.py", "honest/hinge_broadcast.py")
    assert verdict["kind"] == "correct", verdict
    assert verdict["second_shape"]["overrides"] == {"batch_size": 49}
    assert "must match the size" in verdict["second_shape"]["skipped"]
    skipped = [n for n in notes if n.startswith("second shape skipped")]
    assert skipped and "batch_size = 49" in skipped[0], notes


def test_a_problem_that_runs_at_the_second_shape_is_checked_there(tmp_path):
    verdict, notes = run_eval(tmp_path, "problems/add_relu.py", "honest/add_relu.py")
    assert verdict["kind"] == "correct", verdict
    assert "skipped" not in verdict["second_shape"], verdict["second_shape"]
    assert verdict["second_shape"]["overrides"] == {"batch_size": 5}
    assert not any(n.startswith("second shape skipped") for n in notes)
