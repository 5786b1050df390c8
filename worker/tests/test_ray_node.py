"""What a Ray node does with one evaluation (lathe_worker.ray_node), without a cluster: the
judge's environment, the request pointed at the node's own files, and the process discipline
lathe's driver applies locally (limits, the whole group ended, the tails kept)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from lathe_worker.ray_node import Limits, SecretNames, _placed_request, _run, judge_env

SECRETS = SecretNames(suffixes=("_API_KEY", "_TOKEN"), prefixes=("AWS_",), names=("API_KEY",))
LIMITS = Limits(wall_s=20.0, grace_s=0.5, memory_bytes=None, tail_bytes=64)


def test_the_judge_gets_no_secret_and_nothing_of_rays() -> None:
    env = judge_env(
        {
            "HOME": "/home/u",
            "OPENAI_API_KEY": "sk",
            "aws_secret": "x",
            "API_KEY": "k",
            "RAY_ADDRESS": "10.0.0.1:6379",
            "CUDA_VISIBLE_DEVICES": "0,1,2",
            "PYTHONPATH": "/site",
            "TRITON_INTERPRET": "1",
        },
        SECRETS,
        Path("/pkg"),
        Path("/cache"),
        "cuda",
        "2",
    )
    assert env["HOME"] == "/home/u"
    for name in ("OPENAI_API_KEY", "aws_secret", "API_KEY", "RAY_ADDRESS", "TRITON_INTERPRET"):
        assert name not in env, name
    assert env["CUDA_VISIBLE_DEVICES"] == "2"
    assert env["PYTHONPATH"] == "/pkg:/site"
    assert env["PYTHONPYCACHEPREFIX"] == "/cache/pycache"


def test_the_request_points_at_the_nodes_copies_and_caches(tmp_path: Path) -> None:
    message = {
        "request": {
            "device": "interpret",
            "problem": {"path": "/lathe/problems/1_add.py", "overrides": {}},
            "candidate": {"path": "/lathe/kernels/1_add.py", "backend": "triton"},
            "timing": {"cache_dir": "/lathe/cache/baselines"},
            "progress_path": None,
        },
        "problem": {"name": "1_add.py", "source": "PROBLEM = 1\n"},
        "kernel": {"name": "1_add.py", "source": "KERNEL = 1\n"},
    }
    request = _placed_request(message, tmp_path, tmp_path / "cache")
    assert Path(request["problem"]["path"]).read_text() == "PROBLEM = 1\n"
    assert Path(request["candidate"]["path"]).read_text() == "KERNEL = 1\n"
    assert request["problem"]["path"] != request["candidate"]["path"]
    assert request["timing"]["cache_dir"] == str(tmp_path / "cache" / "baselines")
    assert request["runner"]["cache_dir"] == str(tmp_path / "cache" / "runner")
    assert request["progress_path"] == str(tmp_path / "progress.jsonl")
    json.dumps(request)


def test_a_process_past_its_limit_ends_with_its_whole_group(tmp_path: Path) -> None:
    # The child leaves a grandchild that ignores SIGTERM; neither may outlive the limit.
    script = (
        "import os, signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "p = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'])\n"
        "open('grandchild', 'w').write(str(p.pid))\n"
        "print('x' * 1000, flush=True)\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    limits = Limits(wall_s=2.0, grace_s=0.5, memory_bytes=None, tail_bytes=64)
    end, stdout, _, _ = _run([sys.executable, "-c", script], tmp_path, {}, b"", limits)
    assert time.monotonic() - started < 10
    assert end["kind"] == "timed_out" and end["killed"] is True
    assert stdout == "x" * 63 + "\n"
    grandchild = int((tmp_path / "grandchild").read_text())
    time.sleep(0.2)
    status = Path(f"/proc/{grandchild}/status")
    assert not status.exists() or "zombie" in status.read_text()


def test_exits_and_signals_are_told_apart_and_stdin_is_the_nonce(tmp_path: Path) -> None:
    echo = "import sys; print(sys.stdin.read().strip()); sys.exit(3)"
    end, stdout, _, _ = _run([sys.executable, "-c", echo], tmp_path, {}, b"abc\n", LIMITS)
    assert end == {"kind": "exited", "code": 3}
    assert stdout == "abc\n"
    abort = "import os; os.abort()"
    end, _, _, _ = _run([sys.executable, "-c", abort], tmp_path, {}, b"", LIMITS)
    assert end == {"kind": "signaled", "signal": 6, "name": "SIGABRT"}


def test_a_group_over_its_memory_limit_is_killed(tmp_path: Path) -> None:
    hog = "import time; x = b'1' * (300 * 1024 * 1024); time.sleep(30)"
    limits = Limits(wall_s=20.0, grace_s=0.5, memory_bytes=100 * 1024 * 1024, tail_bytes=64)
    end, _, _, _ = _run([sys.executable, "-c", hog], tmp_path, {}, b"", limits)
    assert end["kind"] == "memory_limit" and end["rss_bytes"] > end["limit"]
