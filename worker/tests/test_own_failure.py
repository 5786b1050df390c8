"""The judge's own failures: GPU memory that ran out in lathe's work is the problem's error (it
does not fit the GPU beside the judge), anything else a defect of the worker."""

from lathe_worker.__main__ import _own_failure


def test_memory_run_out_in_lathes_own_work_is_the_problems_error():
    message = "the runner failed: OutOfMemoryError: CUDA out of memory. Tried to allocate 6.00 GiB"
    result = _own_failure(message, "Traceback ...", "load")
    assert result["outcome"] == "problem_error"
    assert "Tried to allocate 6.00 GiB" in result["error"]["message"]
    assert "--set NAME=VALUE" in result["error"]["message"]
    assert "(the runner's, in phase load:" in result["error"]["message"]


def test_memory_run_out_in_the_judge_names_its_phase_and_innermost_own_frame():
    tail = (
        'File "/x/lathe_worker/evaluate.py", line 120, in run\n'
        'File "/x/lathe_worker/reference.py", line 58, in outputs64\n'
        'File "/x/torch/nn/modules/module.py", line 1751, in _call_impl\n'
        "torch.OutOfMemoryError: CUDA out of memory."
    )
    result = _own_failure("OutOfMemoryError: CUDA out of memory.", tail, "check")
    message = result["error"]["message"]
    assert "(the judge's at reference.py:58 in outputs64, in phase check:" in message


def test_any_other_failure_is_the_workers_with_its_traceback():
    result = _own_failure("KeyError: 'seed'", "Traceback (most recent call last): ...", "check")
    assert result["outcome"] == "worker_error"
    assert result["error"] == {
        "message": "KeyError: 'seed'",
        "traceback_tail": "Traceback (most recent call last): ...",
    }
