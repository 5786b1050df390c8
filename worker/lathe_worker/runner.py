"""The runner: the one process where candidate code runs (docs/design/judge.md).

The judge starts it as ``python -m lathe_worker.runner`` with nothing in its arguments, its
standard input on /dev/null, and two pipes (named by LATHE_RUNNER_FDS) as its only way back.
Before any candidate code runs it imports what it needs, initialises CUDA, and confines itself
(`landlock.confine`). Then it serves the judge's commands, one reply each:

- `load_problem`: the problem module, for input generation and the constructor's arguments;
- `calibrate`: the timed-call path with a known workload instead of the candidate (before the
  candidate is imported, so the judge learns this machine's honest per-call overhead);
- `load_candidate`: import the candidate and build `ModelNew`;
- `call`: make the inputs of a seed the judge chose (widened to the level the judge names,
  random signs and a scale, when it names one), call the candidate (plainly, traced, ghosted,
  profiled or timed), and export its outputs for the judge to read.
It never exits on its own: the judge kills it when the evaluation is over, and it returns when
its channel closes.

Nothing the runner says is trusted: the judge compares every output it judges with its own
reference and checks every time against its own clock. The guards here (threads, patched
functions, CUDA graphs, input mutation) name honest mistakes and careless cheats.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

ARGV = ["lathe-runner"]
# Input sets kept alive at once (see `Runner._inputs`).
RECENT_INPUT_SETS = 3


class Runner:
    def __init__(self, channel: Any, device: str) -> None:
        started = time.perf_counter()
        import torch

        from lathe_worker import exports, launches, timing
        from lathe_worker.integrity import GRAPHS, Guards

        self.startup = {"imports_s": round(time.perf_counter() - started, 3)}
        started = time.perf_counter()

        self.torch = torch
        self.channel = channel
        self.device = torch.device("cuda" if device == "cuda" else "cpu")
        self.interpret = device == "interpret"
        if self.device.type == "cuda":
            torch.cuda.init()
            torch.empty(1, device="cuda")
        self.timer = timing.CallTimer(self.device)
        self.startup["device_s"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        self.exporter = exports.Exporter(self.device)
        self.problems: dict[str, ModuleType] = {}
        self.model: Any = None
        self.kernels: tuple[str, ...] = ()
        self._spin_outputs: list[Any] = []
        self._recent_inputs: list[list[Any]] = []
        GRAPHS.install()
        launches.prepare_ghost()
        harness = {
            "lathe_worker.runner": sys.modules[__name__],
            "lathe_worker.runner.Runner": Runner,
            "lathe_worker.timing": timing,
            "lathe_worker.timing.CallTimer": timing.CallTimer,
            "lathe_worker.exports.Exporter": exports.Exporter,
        }
        # Taken before any candidate code runs, used by every call (calibration included, so
        # that its cost is part of the overhead the judge calibrates).
        self.guards = Guards(harness)
        self.startup["guards_s"] = round(time.perf_counter() - started, 3)

    # The loop ------------------------------------------------------------------------------

    def serve(self) -> int:
        from lathe_worker.channel import ChannelBroken

        while True:
            try:
                frame = self.channel.receive()
            except ChannelBroken:
                return 0
            op = frame.header.get("op")
            reply, blobs = self.dispatch(op, frame.header)
            self.channel.send(reply, blobs)
            if reply.get("fatal"):
                # A faulted CUDA context: interpreter teardown could hang on it.
                os._exit(3)

    def dispatch(self, op: Any, header: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        from lathe_worker.verdicts import EnvironmentProblem, ProblemError, VerdictReached

        handlers = {
            "load_problem": self.load_problem,
            "load_candidate": self.load_candidate,
            "calibrate": self.calibrate,
            "call": self.call,
        }
        handler = handlers.get(op)
        if handler is None:
            return {"worker_error": f"unknown op {op!r}"}, []
        try:
            return handler(header)
        except VerdictReached as reached:
            verdict = reached.verdict
            return {"verdict": verdict, "fatal": bool(verdict.get("cuda_error"))}, []
        except ProblemError as e:
            return {"problem_error": str(e)}, []
        except EnvironmentProblem as e:
            return {"environment_error": str(e)}, []
        except Exception as e:
            tail = "".join(traceback.format_exception(e))[-4000:]
            return {"worker_error": f"{type(e).__name__}: {e}", "traceback_tail": tail}, []

    # Commands ------------------------------------------------------------------------------

    def load_problem(self, h: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        from lathe_worker.loading import load_problem

        name = str(h["name"])
        path, overrides = Path(h["path"]), dict(h.get("overrides") or {})
        self.problems[name] = load_problem(path, overrides, name=f"lathe_problem_{name}")
        return {"ok": True}, []

    def load_candidate(self, h: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        from lathe_worker import launches
        from lathe_worker.loading import load_candidate
        from lathe_worker.models import build_candidate

        launches.install(h.get("backend", "triton"))
        if self.interpret:
            launches.allow_autotune_under_interpreter()
        self.kernels = tuple(h.get("kernels") or ())
        self.guards.refresh()
        candidate = load_candidate(Path(h["path"]))
        self.guards.check("while the candidate was imported")
        problem = self.problems[h.get("problem", "main")]
        self.model, how = build_candidate(problem, candidate, int(h["seed"]), self.device)
        self.guards.check("while ModelNew was constructed")
        return {"ok": True, "how": how}, []

    def calibrate(self, h: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        """A timed call with a known workload in the candidate's place: a spin of `spin_ms`
        that returns tensors shaped like the reference's outputs."""
        torch = self.torch
        from lathe_worker.exports import DTYPES

        if not self._spin_outputs:
            self._spin_outputs = [
                torch.ones(o["shape"], dtype=DTYPES[o["dtype"]], device=self.device)
                for o in h["outputs"]
            ]
        spin_ms = float(h["spin_ms"])
        if self.device.type == "cuda":
            cycles = int(spin_ms * 1e-3 * _sm_clock_hz())

            def spin() -> list[Any]:
                torch.cuda._sleep(cycles)
                return self._spin_outputs
        else:

            def spin() -> list[Any]:
                stop = time.perf_counter() + spin_ms * 1e-3
                while time.perf_counter() < stop:
                    pass
                return self._spin_outputs

        inputs = self._inputs(h)
        before = self.guards.before_call()
        out, ms = self.timer.time(spin)
        self.guards.after_call(before, "(calibration)")
        return self._reply(out, h, {"ms": ms, "launches": {}}, inputs=inputs)

    def call(self, h: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        from lathe_worker import launches, models
        from lathe_worker.verdicts import ProblemError, VerdictReached, classify_failure

        torch = self.torch
        mode, phase = h.get("mode", "plain"), str(h.get("phase", "check"))
        when = f"({phase}, call {h.get('call', '?')})"
        # Calibration is over once the candidate is called: its stand-in outputs go.
        self._spin_outputs = []
        if mode != "timed" and self.device.type == "cuda":
            # What the last checked call left cached (its inputs' pristine copies, the
            # candidate's temporaries) goes back to the driver: the judge computes the reference
            # on the same GPU meanwhile. Timed calls keep their cache, as any caller's would.
            torch.cuda.empty_cache()
        try:
            inputs = self._inputs(h)
            pristine = models.fresh_copies(inputs) if h.get("mutation") else None
        except torch.OutOfMemoryError as e:
            # Before the candidate runs: the inputs of the problem's size do not fit.
            raise ProblemError(f"the problem's inputs do not fit the GPU: {e}"[:1000]) from e
        extra: dict[str, Any] = {}
        launches.TRACKER.reset()
        before = self.guards.before_call()
        try:
            with torch.no_grad():
                if mode == "timed":
                    out, extra["ms"] = self.timer.time(lambda: self.model(*inputs))
                elif mode == "ghost":
                    with launches.TRACKER.ghosted():
                        out = self.model(*inputs)
                elif mode == "library":
                    out, extra["kernels"] = self._profiled(inputs)
                else:
                    out = self.model(*inputs)
                if self.device.type == "cuda":
                    self.timer.synchronize()
        except VerdictReached:
            raise
        except BaseException as e:
            raise VerdictReached(classify_failure(e, phase)) from e
        self.guards.after_call(before, when)
        extra["launches"] = dict(launches.TRACKER.counts)
        reply = self._reply(out, h, extra, inputs=inputs, pristine=pristine)
        if h.get("lean") and mode != "timed" and self.device.type == "cuda":
            # A lean evaluation's judge makes the next reference while this process waits: the
            # output and the pristine copy (exported and compared by now) go back to the driver
            # at once rather than at the next call, or they sit cached beside the judge's peak.
            del out, pristine
            torch.cuda.empty_cache()
        return reply

    # Helpers -------------------------------------------------------------------------------

    def _inputs(self, h: dict[str, Any]) -> list[Any]:
        from lathe_worker.models import make_inputs

        problem = self.problems[h.get("problem", "main")]
        # The last few input sets stay allocated, so that consecutive calls get their inputs at
        # different addresses as well as with different values (a cache keyed on pointers
        # misses; integrity row 5). A lean evaluation (inputs large beside the GPU's memory)
        # keeps the previous set alone, which still moves every timed call's inputs; its checked
        # calls keep none (a stale answer cached by pointer is wrong there, not fast). The oldest
        # go before the new set is made: their memory serves it.
        if h.get("lean"):
            # (Calibration calls carry no mode: timed ones, as far as inputs go.)
            kept = 1 if h.get("mode", "timed") != "timed" else 2
        else:
            kept = RECENT_INPUT_SETS
        del self._recent_inputs[: max(0, len(self._recent_inputs) - (kept - 1))]
        inputs = make_inputs(problem, int(h["seed"]), self.device, int(h.get("widen") or 0))
        self._recent_inputs.append(inputs)
        return inputs

    def _reply(
        self,
        out: Any,
        h: dict[str, Any],
        extra: dict[str, Any],
        inputs: list[Any],
        pristine: list[Any] | None = None,
    ) -> tuple[dict[str, Any], list[bytes]]:
        from lathe_worker.compare import as_tensor_list
        from lathe_worker.models import changed_input

        outputs = as_tensor_list(out, "the candidate's")
        mutated = changed_input(pristine, inputs) if pristine is not None else None
        metas, blobs = self.exporter.export(outputs)
        return {"ok": True, "outputs": metas, "mutated": mutated, **extra}, blobs

    def _profiled(self, inputs: list[Any]) -> tuple[Any, list[str]]:
        torch = self.torch
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            out = self.model(*inputs)
            torch.cuda.synchronize()
        cuda = torch.autograd.DeviceType.CUDA
        return out, sorted({e.name for e in prof.events() if e.device_type == cuda})


def _sm_clock_hz() -> float:
    """The SM clock `torch.cuda._sleep` counts cycles of (a guess suffices: the spin's length
    is measured, not assumed)."""
    import torch

    khz = getattr(torch.cuda.get_device_properties(0), "clock_rate", 0) or 1_500_000
    return float(khz) * 1e3


def _writable() -> list[Path]:
    return [Path(p) for p in json.loads(os.environ.get("LATHE_RUNNER_WRITABLE", "[]"))]


def main() -> int:
    from lathe_worker.parent import die_with_parent

    die_with_parent()
    sys.argv = list(ARGV)
    read_fd, write_fd = (int(x) for x in os.environ["LATHE_RUNNER_FDS"].split(","))
    from lathe_worker import landlock
    from lathe_worker.channel import Channel

    channel = Channel(read_fd, write_fd)
    if os.environ.pop("LATHE_RUNNER_WAIT", None) == "1":
        _wait_for_start(channel)
    started = time.perf_counter()
    runner = Runner(channel, os.environ.get("LATHE_RUNNER_DEVICE", "cuda"))
    confinement = landlock.confine(_writable())
    # How long the runner took to be ready (imports, CUDA, guards): the judge waits for it,
    # so it is part of every evaluation's time (reported, never trusted for anything).
    startup = {"seconds": round(time.perf_counter() - started, 3), **runner.startup}
    channel.send(
        {"ready": True, "pid": os.getpid(), "isolation": confinement.as_json(), "startup": startup}
    )
    return runner.serve()


def _wait_for_start(channel: Any) -> None:
    """A runner started ahead of its evaluation (with a pre-started judge): imports done, it
    waits for the judge's `start` before anything touches CUDA, so that it adds nothing to the
    GPU another evaluation may be timing. Any other command, or the judge gone, ends it."""
    import torch  # noqa: F401
    import triton  # noqa: F401  (every Triton candidate imports it; importing starts no driver)

    from lathe_worker import exports, integrity, launches, timing  # noqa: F401
    from lathe_worker.channel import ChannelBroken

    try:
        frame = channel.receive()
    except ChannelBroken:
        sys.exit(0)
    if frame.header.get("op") != "start":
        sys.exit(0)


if __name__ == "__main__":
    sys.exit(main())
