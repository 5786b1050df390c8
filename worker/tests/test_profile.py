"""The profile target under Triton's interpreter: warm-up until nothing compiles, then one counted
forward. Nsight Compute is not here; what it would capture is the region these tests count."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WORKER = Path(__file__).resolve().parents[1]


def run_profile(tmp_path: Path, problem: str, candidate: str, **extra) -> dict:
    request = {
        "protocol": 1,
        "kind": "profile",
        "device": "interpret",
        "problem": {"path": str(FIXTURES / problem), "overrides": {}},
        "candidate": {"path": str(FIXTURES / candidate), "backend": "triton"},
        "seed": 42,
        "progress_path": str(tmp_path / "progress.jsonl"),
        **extra,
    }
    (tmp_path / "request.json").write_text(json.dumps(request))
    env = {"PYTHONPATH": str(WORKER), "TRITON_INTERPRET": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-m", "lathe_worker", "request.json", "result.json"],
        cwd=tmp_path, env=env, timeout=300, check=False,
    )  # fmt: skip
    return json.loads((tmp_path / "result.json").read_text())


def test_the_region_holds_one_forward_of_the_candidates_kernels(tmp_path):
    result = run_profile(tmp_path, "problems/add_relu.py", "honest/add_relu.py")
    assert result["outcome"] == "profiled", result
    profiled = result["profiled"]
    assert profiled["region_launches"] == {"_add_relu_kernel": 1}
    assert profiled["warm"] and profiled["warmup_runs"] == 2
    assert profiled["marked"] is False  # no CUDA device: counted, not marked
    assert [p["name"] for p in result["phases"]] == ["load", "construct", "warmup", "profile"]


def test_the_compile_watch_counts_calls_of_what_it_wraps():
    from lathe_worker.profile import CompileWatch

    class Jit:
        def _do_compile(self, x):
            return x * 2

    watch = CompileWatch()
    watch._wrap(Jit, "_do_compile")
    assert Jit()._do_compile(21) == 42
    assert Jit()._do_compile(1) == 2
    assert watch.events == 2


def test_the_pinned_triton_has_what_the_compile_watch_wraps():
    """If a Triton release moves `_do_compile`, warm-up silently falls back to its minimum count;
    this test notices first."""
    from lathe_worker.profile import CompileWatch

    watch = CompileWatch()
    watch.install()
    assert watch.watching


@pytest.mark.parametrize(
    ("candidate", "kind"),
    [("broken/python_exception.py", "runtime_error"), ("broken/syntax_error.py", "compile_error")],
)
def test_a_candidate_that_fails_gets_its_verdict(tmp_path, candidate, kind):
    result = run_profile(tmp_path, "problems/add_relu.py", candidate)
    assert result["outcome"] == "verdict"
    assert result["verdict"]["kind"] == kind
