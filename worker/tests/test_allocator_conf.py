"""The judge asks for expandable segments; the runner keeps the user's allocator setting
(lathe_worker/__init__.py)."""

import os
import subprocess
import sys

import pytest

from lathe_worker import USER_ALLOC_CONF
from lathe_worker.runner_client import RunnerClient

SHOW = "import lathe_worker, os; print(os.environ.get('PYTORCH_CUDA_ALLOC_CONF'))"


def _conf_seen_with(env: dict[str, str]) -> str:
    run = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=True
    )
    return run.stdout.strip()


def test_the_judge_asks_for_expandable_segments_unless_the_user_chose():
    base = {k: v for k, v in os.environ.items() if k != "PYTORCH_CUDA_ALLOC_CONF"}
    assert _conf_seen_with(base) == "expandable_segments:True"
    users = base | {"PYTORCH_CUDA_ALLOC_CONF": "max_split_size_mb:64"}
    assert _conf_seen_with(users) == "max_split_size_mb:64"
    assert _conf_seen_with(base | {"LATHE_RUNNER_FDS": "3,4"}) == "None"


@pytest.mark.skipif(USER_ALLOC_CONF is not None, reason="the user set an allocator setting")
def test_the_runner_is_started_without_the_judges_setting(tmp_path, monkeypatch):
    seen: dict[str, str] = {}

    def capture(args, **kwargs):
        seen.update(kwargs["env"])
        raise OSError("not started")

    monkeypatch.setattr(subprocess, "Popen", capture)
    assert os.environ.get("PYTORCH_CUDA_ALLOC_CONF") == "expandable_segments:True"
    with pytest.raises(OSError):
        RunnerClient("cpu", tmp_path, None)
    assert "PYTORCH_CUDA_ALLOC_CONF" not in seen
    assert seen["LATHE_RUNNER_DEVICE"] == "cpu"
