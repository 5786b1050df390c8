"""The runner's input sets (runner.py, `Runner._inputs`): each call gets a fresh set at a new
address, the last few stay allocated, and never more of them at once than are kept: a problem
with 6 GiB inputs on an 80 GB GPU has no room for one set more (judge.md, "GPU memory")."""

from types import SimpleNamespace

import pytest
import torch

from lathe_worker import models
from lathe_worker.runner import RECENT_INPUT_SETS, Runner
from lathe_worker.verdicts import ProblemError

CPU = torch.device("cpu")


def _runner(monkeypatch) -> tuple[SimpleNamespace, list[int]]:
    alive_when_made: list[int] = []
    runner = SimpleNamespace(
        problems={"main": object()}, device=torch.device("cpu"), _recent_inputs=[]
    )

    def make_inputs(problem, seed, device, widen=0):
        alive_when_made.append(len(runner._recent_inputs))
        return [torch.full((4,), float(seed))]

    monkeypatch.setattr(models, "make_inputs", make_inputs)
    return runner, alive_when_made


def test_the_oldest_sets_go_before_the_next_is_made(monkeypatch):
    runner, alive = _runner(monkeypatch)
    for seed in range(6):
        inputs = Runner._inputs(runner, {"seed": seed})
        assert inputs[0][0].item() == seed
    assert max(alive) == RECENT_INPUT_SETS - 1
    assert len(runner._recent_inputs) == RECENT_INPUT_SETS
    assert [s[0][0].item() for s in runner._recent_inputs] == [3.0, 4.0, 5.0]


def test_a_lean_evaluation_keeps_the_previous_set_alone(monkeypatch):
    runner, alive = _runner(monkeypatch)
    for seed in range(4):
        Runner._inputs(runner, {"seed": seed, "lean": True})
    assert max(alive) == 1, "one old set beside the one being made"
    assert [s[0][0].item() for s in runner._recent_inputs] == [2.0, 3.0]


def test_a_lean_checked_call_keeps_no_old_set(monkeypatch):
    """Checked calls of a lean evaluation make their inputs with no other set alive: at level
    1 #38's 8 GiB a set, the one kept beside it left no room for the judge's copy of the output
    on an 80 GB H100. Timed calls still keep the previous set (fresh addresses)."""
    runner, alive = _runner(monkeypatch)
    Runner._inputs(runner, {"seed": 0, "lean": True, "mode": "timed"})
    Runner._inputs(runner, {"seed": 1, "lean": True, "mode": "plain"})
    assert alive == [0, 0]
    Runner._inputs(runner, {"seed": 2, "lean": True, "mode": "timed"})
    Runner._inputs(runner, {"seed": 3, "lean": True, "mode": "timed"})
    assert alive[2:] == [1, 1]
    assert [s[0][0].item() for s in runner._recent_inputs] == [2.0, 3.0]


def test_a_changed_input_is_found_in_any_piece(monkeypatch):
    monkeypatch.setattr(models, "CHANGE_PIECE", 4)
    pristine = [torch.arange(10.0), torch.tensor([float("nan"), 1.0])]
    same = [t.clone() for t in pristine]
    assert models.changed_input(pristine, same) is None, "NaN equals NaN, piece by piece"
    changed = [t.clone() for t in pristine]
    changed[0][9] = -1.0  # in the last, short piece
    assert models.changed_input(pristine, changed) == 0
    changed = [pristine[0].clone(), torch.tensor([float("nan"), 2.0])]
    assert models.changed_input(pristine, changed) == 1
    reshaped = [pristine[0].reshape(2, 5), pristine[1]]
    assert models.changed_input(pristine, reshaped) == 0, "another shape is a change"


def test_inputs_that_do_not_fit_are_a_memory_error_not_the_problems():
    """Out of memory in get_inputs() is the GPU's memory beside what lathe holds (told with
    the ways out by the runner or the worker's top level), never "the problem's get_inputs()
    failed" (level 1 #96 on an H100 read so); any other failure is the problem's."""

    def failing(error: Exception) -> SimpleNamespace:
        def get_inputs():
            raise error

        return SimpleNamespace(get_inputs=get_inputs)

    with pytest.raises(torch.OutOfMemoryError):
        models.make_inputs(failing(torch.OutOfMemoryError("CUDA out of memory")), 1, CPU)
    with pytest.raises(ProblemError, match="get_inputs\\(\\) failed"):
        models.make_inputs(failing(ValueError("bad shape")), 1, CPU)
