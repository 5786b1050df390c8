"""Lean judging (judge.md, "GPU memory"): which evaluations run lean, and the memory they plan
for. The lean evaluation itself is judged on fixtures in CI (fixture_corpus.rs)."""

import os

import torch

from lathe_worker import evaluate
from lathe_worker.correctness import Expected

CPU = torch.device("cpu")


def test_the_memory_planned_for_is_the_environments_once_then_the_devices(monkeypatch):
    monkeypatch.setenv(evaluate.MEMORY_ENV, "80")
    assert evaluate.memory_capacity(CPU) == 80_000_000_000
    # Read once and taken out of the environment: the runner the judge starts never sees it.
    assert evaluate.MEMORY_ENV not in os.environ
    assert evaluate.memory_capacity(CPU) is None
    monkeypatch.setenv(evaluate.MEMORY_ENV, "lots")
    assert evaluate.memory_capacity(CPU) is None


class _Lean(evaluate.Evaluation):
    def __init__(self, capacity: int | None) -> None:  # no request, no runner: the rule alone
        self.capacity = capacity
        self.notes = []


def test_an_evaluation_runs_lean_when_one_set_takes_over_a_twentieth_of_the_memory():
    inputs = [torch.zeros(1024, dtype=torch.float32), 3]
    first = Expected(42, inputs, [torch.zeros(1024, dtype=torch.float32)], None)
    footprint = 2 * 1024 * 4
    assert not _Lean(None)._large(first), "no GPU: never lean"
    assert not _Lean(footprint * 20)._large(first)
    small = _Lean(footprint * 20 - 1)
    assert small._large(first)
    assert small.notes and small.notes[0].startswith("lean judging")
