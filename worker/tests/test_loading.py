"""Loading problems and candidates, with overrides, and the verdicts of unusable candidates."""

import pytest

from lathe_worker.loading import load_candidate, load_problem, size_constants
from lathe_worker.verdicts import ProblemError, VerdictReached

PROBLEM = """
import torch
batch_size = 4
channels = 3
bias_shape = (channels, 1, 1)

class Model(torch.nn.Module):
    def forward(self, x):
        return x

def get_inputs():
    return [torch.rand(batch_size, channels)]

def get_init_inputs():
    return []
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_overrides_flow_into_derived_constants(tmp_path):
    problem = load_problem(write(tmp_path, "p.py", PROBLEM), {"channels": 5, "batch_size": 2})
    assert problem.bias_shape == (5, 1, 1)
    assert problem.get_inputs()[0].shape == (2, 5)
    assert size_constants(tmp_path / "p.py") == {"batch_size": 4, "channels": 3}


def test_an_unknown_override_is_a_problem_error(tmp_path):
    with pytest.raises(ProblemError, match="no module-level constant height"):
        load_problem(write(tmp_path, "p.py", PROBLEM), {"height": 2})


def test_a_problem_without_get_inputs_is_a_problem_error(tmp_path):
    text = PROBLEM.replace("def get_inputs", "def make_inputs")
    with pytest.raises(ProblemError, match="defines no get_inputs"):
        load_problem(write(tmp_path, "p.py", text), {})


def test_a_problem_syntax_error_names_the_line(tmp_path):
    with pytest.raises(ProblemError, match="syntax error at line 2"):
        load_problem(write(tmp_path, "p.py", "import torch\nclass Model(:\n"), {})


@pytest.mark.parametrize(
    ("source", "kind", "fragment"),
    [
        ("class ModelNew(:\n", "compile_error", "line 1"),
        ("import torch\n", "compile_error", "defines no class ModelNew"),
        ("raise RuntimeError('boom')\n", "runtime_error", "boom"),
        ("import sys\nsys.exit(3)\n", "runtime_error", ""),
    ],
)
def test_unusable_candidates_get_verdicts(tmp_path, source, kind, fragment):
    with pytest.raises(VerdictReached) as reached:
        load_candidate(write(tmp_path, "k.py", source))
    verdict = reached.value.verdict
    assert verdict["kind"] == kind
    assert fragment in verdict["message"]
