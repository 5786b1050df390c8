"""Every KernelBench problem file loads and builds, as lathe loads it (`loading.load_problem`):
its `Model` and its inputs made on the meta device (no memory, no time), or on the CPU for the
few whose constructor reads a value (`.item()`). The folder is KernelBench's own, beside this
checkout in ../shared/kernelbench (never copied into the project), or where
LATHE_KERNELBENCH_DIR points; the test is skipped where there is none."""

import os
from pathlib import Path

import pytest
import torch

from lathe_worker.loading import load_problem

ROOT = Path(__file__).resolve().parents[2]
KERNELBENCH = Path(os.environ.get("LATHE_KERNELBENCH_DIR", ROOT.parent / "shared" / "kernelbench"))
PROBLEMS = sorted(KERNELBENCH.glob("level[123]/*.py"))


def build(problem, device: str) -> tuple[torch.nn.Module, list]:
    with torch.device(device):
        model = problem.Model(*problem.get_init_inputs())
        inputs = problem.get_inputs()
    return model, inputs


@pytest.mark.skipif(not PROBLEMS, reason=f"no KernelBench problems under {KERNELBENCH}")
def test_the_three_levels_are_all_there():
    counts = {
        level: len(list(KERNELBENCH.glob(f"{level}/*.py")))
        for level in ("level1", "level2", "level3")
    }
    assert counts == {"level1": 100, "level2": 100, "level3": 50}


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_problem_loads_and_builds(path):
    name = "kernelbench_" + "".join(
        c if c.isalnum() else "_" for c in f"{path.parent.name}_{path.stem}"
    )
    problem = load_problem(path, {}, name=name)
    try:
        model, inputs = build(problem, "meta")
    except RuntimeError as e:
        # A constructor that reads a tensor's value cannot run on the meta device.
        assert "meta" in str(e), e
        model, inputs = build(problem, "cpu")
    assert isinstance(model, torch.nn.Module)
    assert inputs and all(isinstance(x, torch.Tensor | int | float | bool) for x in inputs), [
        type(x).__name__ for x in inputs
    ]
