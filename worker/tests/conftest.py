"""Shared helpers for the worker's tests. The tests run on the CPU; Triton kernels, where they
run at all, run under its interpreter (TRITON_INTERPRET=1, set before triton is imported)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TRITON_INTERPRET", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXAMPLES = Path(__file__).resolve().parents[1] / "protocol" / "examples"

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WORKER = Path(__file__).resolve().parents[1]


def run_worker_eval(
    tmp_path: Path,
    problem: str,
    candidate: str,
    *,
    second_shape: bool = False,
    interpreter: bool = False,
) -> dict:
    """The result file of a real worker process judging a fixture candidate on a fixture problem
    under the interpreter (two trials, seed 42), run in a fresh folder under tmp_path."""
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    request = {
        "protocol": 1,
        "kind": "eval",
        "device": "interpret",
        "problem": {"path": str(FIXTURES / problem), "overrides": {}},
        "candidate": {"path": str(FIXTURES / candidate), "backend": "triton"},
        "correctness": {"trials": 2, "seed": 42, "second_shape": second_shape},
        "timing": {"interpreter": interpreter},
        "integrity": {"policy": "default"},
        "limits": {},
    }
    (work / "request.json").write_text(json.dumps(request))
    env = {"PYTHONPATH": str(WORKER), "TRITON_INTERPRET": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [sys.executable, "-m", "lathe_worker", "request.json", "result.json"],
        cwd=work, env=env, timeout=300, check=False,
    )  # fmt: skip
    return json.loads((work / "result.json").read_text())
