"""One evaluation on a Ray node: the judge process lathe would start locally, started here.

A node of a Ray cluster has none of the files lathe's request names (the problem, the kernel,
the caches). The bridge (ray_bridge.py) sends their contents; :func:`judge_here` writes them into
a fresh scratch directory, points the request at them and at this node's own caches, and runs
``python -m lathe_worker REQUEST RESULT`` exactly as lathe's driver does (crates/lathe-worker/
src/driver/spawn.rs): in its own process group, with an environment stripped of secrets, the
nonce on standard input, a wall-clock limit (SIGTERM to the group, a grace, then SIGKILL), a
memory limit on the group's resident size, and the tails of stdout and stderr kept. It judges
nothing itself:
the result file goes back as text and lathe checks its nonce, as it does for a local judge.

This module imports no Ray, so it is tested without a cluster; :class:`JudgeSlot` is the class
the bridge makes an actor of (one per GPU).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lathe_worker

# Where this node keeps what lathe keeps in its cache locally (baselines, compiler caches,
# byte-code): below the node's temporary directory, one per user, shared by every slot here.
CACHE_NAME = "lathe-ray-cache"
# How often the group's memory is sampled; the local driver samples at the same rate.
MEMORY_POLL_S = 0.1


@dataclass(frozen=True)
class Limits:
    """The limits lathe's WorkerConfig sets for a local judge."""

    wall_s: float
    grace_s: float
    memory_bytes: int | None
    tail_bytes: int

    @staticmethod
    def of(message: dict[str, Any]) -> Limits:
        return Limits(
            wall_s=float(message["wall_s"]),
            grace_s=float(message["grace_s"]),
            memory_bytes=message.get("memory_bytes"),
            tail_bytes=int(message.get("tail_bytes", 65536)),
        )


@dataclass(frozen=True)
class SecretNames:
    """lathe's list of variables that are secrets (crates/lathe-worker/src/process/env.rs),
    sent with every evaluation so that the two sides never disagree on it."""

    suffixes: tuple[str, ...]
    prefixes: tuple[str, ...]
    names: tuple[str, ...]

    @staticmethod
    def of(message: dict[str, Any]) -> SecretNames:
        return SecretNames(
            suffixes=tuple(message.get("suffixes", ())),
            prefixes=tuple(message.get("prefixes", ())),
            names=tuple(message.get("names", ())),
        )

    def is_secret(self, name: str) -> bool:
        upper = name.upper()
        return (
            upper in self.names
            or any(upper.endswith(s) for s in self.suffixes)
            or any(upper.startswith(p) for p in self.prefixes)
        )


def judge_env(
    inherited: dict[str, str],
    secrets: SecretNames,
    package_root: Path,
    cache: Path,
    device: str,
    gpu: str | None,
) -> dict[str, str]:
    """The judge's environment, built as driver/spawn.rs's ``worker_env`` builds it, less Ray's own
    variables: a candidate that found the cluster's address could submit work to it."""
    dropped = {"TRITON_INTERPRET", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"}
    if gpu is not None:
        dropped.add("CUDA_VISIBLE_DEVICES")
    env = {
        k: v
        for k, v in inherited.items()
        if k not in dropped and not secrets.is_secret(k) and not k.startswith("RAY_")
    }
    old = env.get("PYTHONPATH")
    # Ray puts the shipped package on the actor's sys.path, not on PYTHONPATH: the judge and
    # its runner need it there.
    env["PYTHONPATH"] = str(package_root) + (f":{old}" if old else "")
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPYCACHEPREFIX"] = str(cache / "pycache")
    if device == "interpret":
        env["TRITON_INTERPRET"] = "1"
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = gpu
    return env


def node_cache() -> Path:
    root = Path(tempfile.gettempdir()) / f"{CACHE_NAME}-{os.getuid()}"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def judge_here(
    message: dict[str, Any], gpu: str | None, python: str = sys.executable
) -> dict[str, Any]:
    """Runs one evaluation's judge on this node; what came of it, for lathe to read as it reads
    a local judge's end: the result file's text (or None), how the process ended, the output
    tails and the phases it reported."""
    cache = node_cache()
    scratch = Path(tempfile.mkdtemp(prefix="lathe-ray-"))
    try:
        request = _placed_request(message, scratch, cache)
        (scratch / "request.json").write_text(json.dumps(request))
        env = judge_env(
            dict(os.environ),
            SecretNames.of(message.get("secrets", {})),
            Path(lathe_worker.__file__).resolve().parent.parent,
            cache,
            request["device"],
            gpu,
        )
        env["LATHE_NONCE_STDIN"] = "1"
        end, stdout, stderr, wall = _run(
            [python, "-m", "lathe_worker", "request.json", "result.json"],
            scratch,
            env,
            (message["nonce"] + "\n").encode(),
            Limits.of(message["limits"]),
        )
        result = scratch / "result.json"
        return {
            "result": result.read_text() if result.is_file() else None,
            "end": end,
            "stdout_tail": stdout,
            "stderr_tail": stderr,
            "wall_s": wall,
            "phases": _phases(scratch / "progress.jsonl"),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _placed_request(message: dict[str, Any], scratch: Path, cache: Path) -> dict[str, Any]:
    """The request with its files written into `scratch` and its caches this node's."""
    request = dict(message["request"])
    files = scratch / "files"
    problem = files / "problem" / message["problem"]["name"]
    kernel = files / "kernel" / message["kernel"]["name"]
    for path, text in (
        (problem, message["problem"]["source"]),
        (kernel, message["kernel"]["source"]),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    request["problem"] = {**request["problem"], "path": str(problem)}
    request["candidate"] = {**request["candidate"], "path": str(kernel)}
    request["timing"] = {**request["timing"], "cache_dir": str(cache / "baselines")}
    request["runner"] = {**request.get("runner", {}), "cache_dir": str(cache / "runner")}
    request["progress_path"] = str(scratch / "progress.jsonl")
    return request


def _run(
    argv: list[str], cwd: Path, env: dict[str, str], stdin: bytes, limits: Limits
) -> tuple[dict[str, Any], str, str, float]:
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    tails = [_Tail(process.stdout, limits.tail_bytes), _Tail(process.stderr, limits.tail_bytes)]
    assert process.stdin is not None
    try:
        process.stdin.write(stdin)
        process.stdin.close()
    except BrokenPipeError:
        pass
    end: dict[str, Any] | None = None
    deadline = started + limits.wall_s
    while process.poll() is None:
        if time.monotonic() >= deadline:
            end = {"kind": "timed_out", "after_seconds": limits.wall_s, "killed": False}
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(limits.grace_s)
            except subprocess.TimeoutExpired:
                end["killed"] = True
            break
        rss = _group_rss(process.pid) if limits.memory_bytes else 0
        if limits.memory_bytes and rss > limits.memory_bytes:
            end = {"kind": "memory_limit", "rss_bytes": rss, "limit": limits.memory_bytes}
            break
        time.sleep(MEMORY_POLL_S)
    # Whatever the way out, nothing of the group outlives the evaluation.
    _signal_group(process.pid, signal.SIGKILL)
    code = process.wait()
    for tail in tails:
        tail.thread.join()
    if end is None:
        end = (
            {"kind": "exited", "code": code}
            if code >= 0
            else {"kind": "signaled", "signal": -code, "name": signal.Signals(-code).name}
        )
    return end, tails[0].text(), tails[1].text(), time.monotonic() - started


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _group_rss(pgid: int) -> int:
    """Resident bytes of every process of the group, from /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += int(fields[21]) * page
    return total


class _Tail:
    """The last `limit` bytes of a stream, drained on a thread of its own so that neither
    stream can fill its pipe and stop the process."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.kept = bytearray()
        self.limit = limit
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream: Any) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            self.kept += chunk
            del self.kept[: max(0, len(self.kept) - self.limit)]

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")


def _phases(progress: Path) -> list[str]:
    try:
        lines = progress.read_text().splitlines()
    except OSError:
        return []
    phases = []
    for line in lines:
        try:
            phases.append(json.loads(line)["phase"])
        except (ValueError, KeyError, TypeError):
            continue
    return phases


class JudgeSlot:
    """One GPU of the cluster (a logical one in CI): the bridge makes an actor of it with
    ``num_gpus=1``, so Ray hands it one GPU alone, and it judges one evaluation at a time."""

    def __init__(self) -> None:
        import ray

        context = ray.get_runtime_context()
        gpus = [str(g) for g in ray.get_gpu_ids()]
        self.gpu = ",".join(gpus) if gpus else None
        self.node = {
            "node_id": context.get_node_id(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "python": sys.executable,
            "gpu_index": self.gpu,
        }

    def where(self) -> dict[str, Any]:
        return self.node

    def evaluate(self, message: dict[str, Any]) -> dict[str, Any]:
        # Ray gives the actor its GPU by CUDA_VISIBLE_DEVICES already; the judge gets it
        # explicitly so that a stray value in the inherited environment cannot widen it.
        visible = os.environ.get("CUDA_VISIBLE_DEVICES") or self.gpu
        return {**judge_here(message, visible), "node": self.node}
