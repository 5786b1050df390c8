"""The profile target: the candidate's forward pass, warmed up, then run once inside a marked
region for Nsight Compute.

ncu runs this worker with `--profile-from-start off`, so only launches between
`cudaProfilerStart` and `cudaProfilerStop` are captured: the warm-up forwards (JIT compilation,
autotuner trials, cuDNN's algorithm search) stay out of the capture, as do the reference model and
input generation. The forward is repeated until one whole forward compiles nothing and runs no
autotuner benchmark, so that the profiled forward launches exactly what a timed forward launches.

Without a CUDA device (Triton's interpreter, in tests) the same steps run and the region is only
counted, not marked.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from lathe_worker import launches, models
from lathe_worker.loading import load_candidate, load_problem
from lathe_worker.progress import Progress
from lathe_worker.protocol import ProfileRequest
from lathe_worker.verdicts import VerdictReached, classify_failure

# The label of the profiled region (seen in Nsight Systems and in an ncu report's NVTX view).
REGION = "lathe:profile"


class CompileWatch:
    """Counts Triton compilations and autotuner benchmarks: a forward that causes none is warm."""

    def __init__(self) -> None:
        self.events = 0
        self.watching = False

    def install(self) -> None:
        """Wraps the two places where Triton does first-call work. When a Triton release moves
        them, the watch sees nothing and the warm-up falls back to its minimum count."""
        import triton.runtime.autotuner as autotuner
        import triton.runtime.jit as jit

        self._wrap(jit.JITFunction, "_do_compile")
        self._wrap(autotuner.Autotuner, "_bench")
        self.watching = hasattr(jit.JITFunction, "_do_compile")

    def _wrap(self, cls: type, name: str) -> None:
        original = getattr(cls, name, None)
        if original is None:
            return

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.events += 1
            return original(*args, **kwargs)

        setattr(cls, name, counted)


def profile(request: ProfileRequest, progress: Progress) -> dict[str, Any]:
    """The `profiled` result, or raises VerdictReached when the candidate fails."""
    device = torch.device("cuda" if request.device == "cuda" else "cpu")
    progress("load")
    launches.install(request.backend)
    watch = CompileWatch()
    watch.install()
    problem = load_problem(request.problem_path, request.overrides)
    candidate = load_candidate(request.candidate_path)

    progress("construct")
    _, model, _ = models.build_models(problem, candidate, request.seed, device)
    inputs = models.make_inputs(problem, request.seed, device)

    progress("warmup")
    warmup_runs = 0
    while True:
        before = watch.events
        _forward(model, inputs, device, "warmup")
        warmup_runs += 1
        warm = watch.events == before
        enough = warm or warmup_runs >= request.max_warmup_runs
        if warmup_runs >= request.min_warmup_runs and enough:
            break

    progress("profile")
    launches.TRACKER.reset()
    started = time.perf_counter()
    _forward(model, inputs, device, "profile", marked=True)
    region_seconds = time.perf_counter() - started
    return {
        "warmup_runs": warmup_runs,
        "warm": warm,
        "compile_watch": watch.watching,
        "region_launches": dict(launches.TRACKER.counts),
        "region_seconds": round(region_seconds, 6),
        "marked": device.type == "cuda",
    }


def _forward(
    model: torch.nn.Module,
    inputs: list[Any],
    device: torch.device,
    phase: str,
    marked: bool = False,
) -> None:
    """One forward on fresh copies of the inputs; inside the profiler region when `marked`."""
    args = models.fresh_copies(inputs)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
    try:
        with torch.no_grad():
            if marked and cuda:
                torch.cuda.nvtx.range_push(REGION)
                torch.cuda.profiler.start()
            try:
                model(*args)
                if cuda:
                    torch.cuda.synchronize()
            finally:
                if marked and cuda:
                    torch.cuda.profiler.stop()
                    torch.cuda.nvtx.range_pop()
    except VerdictReached:
        raise
    except BaseException as e:
        raise VerdictReached(classify_failure(e, phase)) from e
