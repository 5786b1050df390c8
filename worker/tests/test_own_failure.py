"""The judge's own failures: GPU memory that ran out in lathe's work is the problem's error (it
does not fit the GPU beside the judge), anything else a defect of the worker."""

from lathe_worker.__main__ import _own_failure


def test_memory_run_out_in_lathes_own_work_is_the_problems_error():
    message = "the runner failed: OutOfMemoryError: CUDA out of memory. Tried to allocate 6.00 GiB"
    result = _own_failure(message, "Traceback ...")
    assert result["outcome"] == "problem_error"
    assert "Tried to allocate 6.00 GiB" in result["error"]["message"]
    assert "--set NAME=VALUE" in result["error"]["message"]


def test_any_other_failure_is_the_workers_with_its_traceback():
    result = _own_failure("KeyError: 'seed'", "Traceback (most recent call last): ...")
    assert result["outcome"] == "worker_error"
    assert result["error"] == {
        "message": "KeyError: 'seed'",
        "traceback_tail": "Traceback (most recent call last): ...",
    }
