"""The judge's side of the runner: starting it, asking it, reading its replies with suspicion,
and turning its death into a verdict.

A reply is one of: `ok` with the command's data; a `verdict` of the candidate's own failure
(only failure kinds are taken: a runner cannot declare a candidate correct); a `problem_error`
or `environment_error`; or a `worker_error` (a defect of the runner's code). Anything else, or a
reply that cannot be read, is a broken protocol, which only candidate code can cause in a
process running lathe's own: `rejected` with rule `harness-tamper`.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from lathe_worker import USER_ALLOC_CONF
from lathe_worker.channel import Channel, ChannelBroken, Frame
from lathe_worker.verdicts import (
    EnvironmentProblem,
    ProblemError,
    VerdictReached,
    rejected,
)

# Verdict kinds a runner may report about its candidate.
FAILURE_KINDS = ("compile_error", "runtime_error", "crash", "rejected")


class RunnerDefect(Exception):
    """lathe's own runner code failed (a worker error, not a verdict)."""

    def __init__(self, message: str, traceback_tail: str = "") -> None:
        super().__init__(message)
        self.traceback_tail = traceback_tail


class RunnerClient:
    def __init__(
        self, device: str, scratch: Path, cache_root: Path | None, wait: bool = False
    ) -> None:
        """Starts the runner. With `wait` (a judge started ahead of its request) the runner
        imports what it needs and then waits for `start` before it touches CUDA."""
        runner_dir = scratch / "runner"
        runner_dir.mkdir(parents=True, exist_ok=True)
        caches = (cache_root or runner_dir / "cache").absolute()
        triton_home = caches / "triton"
        writable = [runner_dir.absolute(), caches, Path("/dev")]
        cmd_read, cmd_write = os.pipe()
        reply_read, reply_write = os.pipe()
        env = dict(os.environ) | {
            "LATHE_RUNNER_FDS": f"{cmd_read},{reply_write}",
            "LATHE_RUNNER_DEVICE": device,
            "LATHE_RUNNER_WRITABLE": json.dumps([str(p) for p in writable]),
            "TMPDIR": str(runner_dir.absolute()),
            # The candidate's compiler caches are lathe's, apart from the user's own and from
            # the judge's: a planted cache entry can reach only other candidates' runners.
            "TRITON_HOME": str(triton_home),
            "TRITON_CACHE_DIR": str(triton_home / "cache"),
            "TORCH_EXTENSIONS_DIR": str(caches / "torch_extensions"),
            "CUDA_CACHE_PATH": str(caches / "nv"),
            # The runner reads the judge's byte-code cache (PYTHONPYCACHEPREFIX, inherited)
            # and never writes it: byte-code a candidate wrote there would run in later judges.
            # Its confinement makes the directory read-only to it as well.
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if USER_ALLOC_CONF is None:
            env.pop("PYTORCH_CUDA_ALLOC_CONF", None)  # the judge's own (lathe_worker/__init__)
        if wait:
            env["LATHE_RUNNER_WAIT"] = "1"
        for path in (triton_home / "cache", caches / "torch_extensions", caches / "nv"):
            path.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lathe_worker.runner"],
            stdin=subprocess.DEVNULL,
            cwd=runner_dir,
            env=env,
            pass_fds=(cmd_read, reply_write),
            close_fds=True,
        )
        os.close(cmd_read)
        os.close(reply_write)
        self.channel = Channel(reply_read, cmd_write)
        self.isolation: dict[str, Any] = {}
        self.startup: dict[str, Any] = {}
        self.phase = "load"

    def start(self, file_size_bytes: int | None) -> None:
        """Lets a runner started with `wait` go on (CUDA, guards, confinement), under the
        request's file-size limit, which it could not inherit: it was started before the
        request existed."""
        if file_size_bytes:
            limit = (file_size_bytes, file_size_bytes)
            resource.prlimit(self.process.pid, resource.RLIMIT_FSIZE, limit)
        self.send({"op": "start"}, "load")

    def wait_ready(self) -> dict[str, Any]:
        """The runner's first message: it is confined and ready. Its isolation facts."""
        try:
            frame = self.channel.receive()
        except ChannelBroken as e:
            raise self._death(str(e)) from None
        if frame.header.get("ready") is not True:
            raise VerdictReached(rejected("harness-tamper", "the runner did not start as lathe's"))
        isolation = frame.header.get("isolation")
        self.isolation = isolation if isinstance(isolation, dict) else {}
        startup = frame.header.get("startup")
        self.startup = startup if isinstance(startup, dict) else {}
        return self.isolation

    def request(self, header: dict[str, Any], phase: str) -> Frame:
        """Sends a command and returns an `ok` reply; anything else raises: VerdictReached,
        ProblemError, EnvironmentProblem or RunnerDefect."""
        self.send(header, phase)
        return self.reply()

    def send(self, header: dict[str, Any], phase: str) -> None:
        """Sends a command without waiting: the judge can do its own work while the runner
        does this (`reply` then waits for the answer)."""
        self.phase = phase
        try:
            self.channel.send({**header, "phase": phase})
        except ChannelBroken as e:
            raise self._death(str(e)) from None

    def reply(self) -> Frame:
        """The answer to the command sent last: an `ok` reply, or raises as `request` does."""
        try:
            frame = self.channel.receive()
        except ChannelBroken as e:
            raise self._death(str(e)) from None
        reply = frame.header
        if reply.get("ok") is True:
            return frame
        if "verdict" in reply:
            verdict = reply["verdict"]
            if not isinstance(verdict, dict) or verdict.get("kind") not in FAILURE_KINDS:
                kind = verdict.get("kind") if isinstance(verdict, dict) else verdict
                raise VerdictReached(
                    rejected("harness-tamper", f"the runner declared a verdict of {kind!r}")
                )
            raise VerdictReached(verdict)
        if "problem_error" in reply:
            raise ProblemError(str(reply["problem_error"]))
        if "environment_error" in reply:
            raise EnvironmentProblem(str(reply["environment_error"]))
        if "worker_error" in reply:
            raise RunnerDefect(str(reply["worker_error"]), str(reply.get("traceback_tail", "")))
        raise VerdictReached(
            rejected(
                "harness-tamper", f"the runner sent a reply lathe never writes: {str(reply)[:300]}"
            )
        )

    def _death(self, why: str) -> VerdictReached:
        """The runner stopped answering: its end is the candidate's verdict."""
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
            return VerdictReached(
                rejected("harness-tamper", f"the runner closed its channel ({why}) but lived on")
            )
        crash: dict[str, Any] = {"kind": "crash", "phase": self.phase, "stderr_tail": ""}
        if code < 0:
            crash |= {"signal": -code, "signal_name": _signal_name(-code)}
        else:
            crash["exit_code"] = code
        return VerdictReached(crash)

    def stop(self) -> None:
        """Ends the runner. Killed, not asked: it holds nothing worth a clean exit (compiler
        caches are written as they fill), and a CUDA teardown costs the best part of a second
        of every evaluation."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.channel.close()


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
