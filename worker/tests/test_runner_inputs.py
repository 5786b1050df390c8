"""The runner's input sets (runner.py, `Runner._inputs`): each call gets a fresh set at a new
address, the last few stay allocated, and never more of them at once than are kept: a problem
with 6 GiB inputs on an 80 GB GPU has no room for one set more (judge.md, "GPU memory")."""

from types import SimpleNamespace

import torch

from lathe_worker import models
from lathe_worker.runner import RECENT_INPUT_SETS, Runner


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
