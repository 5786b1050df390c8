"""Entry point: ``python -m lathe_worker REQUEST.json RESULT.json``; the request's kind is
``eval``, ``profile`` (run under Nsight Compute by the harness), ``baselines`` (a problem's eager
and torch.compile timings, no candidate) or ``probe``.

For `eval` this process is the judge (docs/design/judge.md): it hardens itself, starts the
runner that alone runs the candidate, judges, ends every process the runner left behind, and
only then writes the result. With LATHE_NONCE_STDIN=1 it first reads a nonce from its standard
input and puts it in the result, so the harness can tell its result from one a candidate forged.
With LATHE_PRESTART=1 (a judge started ahead, lathe_worker::warm_judge on the Rust side) it
hardens itself, starts its runner and imports its modules before it reads the nonce, and the
request file is read only after the nonce came.

Exit codes: 0 when a result was written (whatever the verdict), 2 for a request it cannot
understand, 1 for a defect of the worker itself. A candidate that kills the process (a fault,
``os.abort()``; only the profile target runs candidates in this process) leaves no result: the
harness reports that death.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lathe_worker.protocol import (
    BaselinesRequest,
    EvalRequest,
    ProfileRequest,
    ProtocolError,
    parse_request,
    write_result,
)
from lathe_worker.verdicts import (
    EnvironmentProblem,
    ProblemError,
    VerdictReached,
    traceback_tail,
)

if TYPE_CHECKING:
    from lathe_worker.runner_client import RunnerClient


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        sys.stderr.write("usage: python -m lathe_worker REQUEST.json RESULT.json\n")
        return 2
    request_path, result_path = Path(argv[1]), Path(argv[2])
    warm = None
    if os.environ.pop("LATHE_PRESTART", None) == "1":
        warm = _Prestarted(result_path.parent)
    nonce = _read_nonce()
    if warm is not None and nonce is None:
        # Started ahead for a request that never came: lathe closed our standard input.
        warm.runner.stop()
        return 0

    def write(result: dict[str, Any]) -> None:
        write_result(result_path, result if nonce is None else {**result, "nonce": nonce})

    try:
        request = parse_request(json.loads(request_path.read_text()))
    except (OSError, ValueError, ProtocolError) as e:
        write({"outcome": "protocol_error", "error": {"message": str(e)}})
        return 2
    _limit_resources(request)
    runner = warm.take(request) if warm is not None else None
    if isinstance(request, EvalRequest):
        from lathe_worker.sandbox import end_descendants, harden_judge

        hardening = warm.hardening if warm is not None else harden_judge()
        result = _evaluate(request, result_path.parent, hardening, runner)
        # No process the candidate started may outlive its verdict, or see it written.
        result["ended_processes"] = end_descendants()
        write(result)
        code = 1 if result["outcome"] == "worker_error" else 0
        # The result is written and no candidate process is left: the judge's own teardown
        # (CUDA, a few thousand modules) would only delay the verdict.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    if isinstance(request, ProfileRequest):
        result = _profile(request)
        write(result)
        if result.get("verdict", {}).get("cuda_error"):
            os._exit(0)
        return 1 if result["outcome"] == "worker_error" else 0
    if isinstance(request, BaselinesRequest):
        result = _baselines(request)
        write(result)
        return 1 if result["outcome"] == "worker_error" else 0
    from lathe_worker.probe import probe

    write({"kind": "probe", "outcome": "probe", "probe": probe(request)})
    return 0


def _evaluate(
    request: EvalRequest,
    scratch: Path,
    hardening: dict[str, bool],
    runner: RunnerClient | None,
) -> dict[str, Any]:
    from lathe_worker.progress import Progress

    progress = Progress(request.progress_path)
    # `start`: the judge's imports, while the runner starts (first, so that its imports and
    # CUDA start overlap the judge's own).
    progress("start")
    from lathe_worker.runner_client import RunnerClient, RunnerDefect

    if runner is None:
        runner = RunnerClient(request.device, scratch, request.runner_cache_dir)
    else:
        runner.start(request.file_size_bytes)
    from lathe_worker.evaluate import Evaluation
    from lathe_worker.fingerprint import fingerprint

    result: dict[str, Any] = {"kind": "eval", "outcome": "verdict"}
    missing = _missing_device(request.device)
    if missing:
        runner.stop()
        return {"kind": "eval", "outcome": "environment_error", "error": {"message": missing}}
    evaluation = Evaluation(request, progress, runner)
    try:
        result["verdict"] = evaluation.run()
    except VerdictReached as reached:
        result["verdict"] = reached.verdict
    except ProblemError as e:
        result = {"kind": "eval", "outcome": "problem_error", "error": {"message": str(e)}}
    except EnvironmentProblem as e:
        result = {"kind": "eval", "outcome": "environment_error", "error": {"message": str(e)}}
    except RunnerDefect as e:
        result = _own_failure(f"the runner failed: {e}", e.traceback_tail, progress.current)
    except Exception as e:
        result = _own_failure(f"{type(e).__name__}: {e}", traceback_tail(e), progress.current)
    finally:
        # The judge's views of the runner's buffers go before the runner does.
        evaluation.importer.close()
        runner.stop()
    result["notes"] = evaluation.notes
    result["phases"] = progress.finish()
    try:
        result["fingerprint"] = fingerprint(request.device)
    except Exception as e:
        result["fingerprint"] = {"device": request.device, "error": str(e)[:500]}
    result["fingerprint"]["isolation"] = {
        "judge": hardening,
        "runner": runner.isolation,
        "runner_startup": runner.startup,
    }
    return result


def _baselines(request: BaselinesRequest) -> dict[str, Any]:
    """The problem's baselines; it runs only the problem's own code, so no runner is needed."""
    from lathe_worker.baselines import measure_baselines

    try:
        measured = measure_baselines(request)
        return {"kind": "baselines", "outcome": "baselines", "baselines": measured}
    except ProblemError as e:
        return {"kind": "baselines", "outcome": "problem_error", "error": {"message": str(e)}}
    except EnvironmentProblem as e:
        return {"kind": "baselines", "outcome": "environment_error", "error": {"message": str(e)}}
    except Exception as e:
        return {
            "kind": "baselines",
            "outcome": "worker_error",
            "error": {"message": f"{type(e).__name__}: {e}", "traceback_tail": traceback_tail(e)},
        }


def _profile(request: ProfileRequest) -> dict[str, Any]:
    """`profiled` with what the region ran, or the candidate's failure as a verdict."""
    from lathe_worker.profile import profile
    from lathe_worker.progress import Progress

    progress = Progress(request.progress_path)
    missing = _missing_device(request.device)
    if missing:
        return {"kind": "profile", "outcome": "environment_error", "error": {"message": missing}}
    try:
        result: dict[str, Any] = {
            "kind": "profile",
            "outcome": "profiled",
            "profiled": profile(request, progress),
        }
    except VerdictReached as reached:
        result = {"kind": "profile", "outcome": "verdict", "verdict": reached.verdict}
    except ProblemError as e:
        result = {"kind": "profile", "outcome": "problem_error", "error": {"message": str(e)}}
    except Exception as e:
        result = {
            "kind": "profile",
            "outcome": "worker_error",
            "error": {"message": f"{type(e).__name__}: {e}", "traceback_tail": traceback_tail(e)},
        }
    result["phases"] = progress.finish()
    return result


class _Prestarted:
    """A judge started ahead of its request (LATHE_PRESTART=1, lathe_worker::warm_judge): it
    hardened itself, imported its modules and started its runner, which waits to touch CUDA."""

    def __init__(self, scratch: Path) -> None:
        from lathe_worker.sandbox import harden_judge

        # Before the runner exists: it must be this process's child under the subreaper.
        self.hardening = harden_judge()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        from lathe_worker.runner_client import RunnerClient

        self.device = os.environ.pop("LATHE_PRESTART_DEVICE", "cuda")
        cache = os.environ.pop("LATHE_PRESTART_RUNNER_CACHE", None)
        self.cache = Path(cache) if cache else None
        self.runner = RunnerClient(self.device, scratch, self.cache, wait=True)
        # What an evaluation imports, while lathe is still busy with the one before.
        import triton  # noqa: F401  (the GPU comparison kernel; importing starts no driver)

        import lathe_worker.evaluate
        import lathe_worker.fingerprint  # noqa: F401

    def take(self, request: Any) -> RunnerClient | None:
        """The waiting runner, for an evaluation it was started for; otherwise it is ended
        and the request is served as if nothing had been started."""
        if (
            isinstance(request, EvalRequest)
            and request.device == self.device
            and request.runner_cache_dir == self.cache
        ):
            return self.runner
        self.runner.stop()
        return None


def _own_failure(message: str, tail: str, phase: str) -> dict[str, Any]:
    """A failure in the worker's own code (the judge's, or the runner's outside a candidate's
    call) during `phase`. GPU memory that ran out there means the problem at this size does
    not fit the GPU beside the judge (its reference and comparisons, the runner's inputs): the
    problem's error, never a verdict on the kernel. Anything else is a defect of the worker."""
    if "OutOfMemoryError" in message or "CUDA out of memory" in message:
        # Whose work and which phase: what a run on a GPU needs to tell where memory went.
        whose = "the runner's" if message.startswith("the runner failed") else "the judge's"
        frame = _innermost_own_frame(tail)
        if frame:
            whose += f" at {frame}"
        return {
            "kind": "eval",
            "outcome": "problem_error",
            "error": {
                "message": (
                    "the GPU ran out of memory in lathe's own work for this problem "
                    f"({whose}, in phase {phase}: {message[:600]}). The judge holds the "
                    "reference's outputs (and in float64) beside the runner's inputs and the "
                    "candidate's outputs on the same GPU: judge the problem at a smaller size "
                    "(--set NAME=VALUE) or on a GPU with more memory"
                )
            },
        }
    return {
        "kind": "eval",
        "outcome": "worker_error",
        "error": {"message": message, "traceback_tail": tail},
    }


def _innermost_own_frame(tail: str) -> str | None:
    """`module.py:LINE in FUNCTION` of the last frame of lathe's worker in a traceback's text."""
    found = re.findall(r'File "[^"]*lathe_worker/(\w+\.py)", line (\d+), in (\w+)', tail)
    if not found:
        return None
    module, line, function = found[-1]
    return f"{module}:{line} in {function}"


def _read_nonce() -> str | None:
    """The harness's nonce, from standard input, when it says it sent one. It never goes into
    this process's environment or arguments, which other processes can read."""
    if os.environ.pop("LATHE_NONCE_STDIN", None) != "1":
        return None
    text = sys.stdin.read(256).strip()
    sys.stdin.close()
    return text or None


def _missing_device(device: str) -> str | None:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        return f"--device cuda, but torch {torch.__version__} sees no CUDA device"
    return None


def _limit_resources(request: Any) -> None:
    """No core dumps (a crashing candidate must not fill the disk); files capped in size."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    limit = getattr(request, "file_size_bytes", None)
    if limit:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


if __name__ == "__main__":
    from lathe_worker.parent import die_with_parent

    die_with_parent()
    sys.exit(main(sys.argv))
