"""Measurements that depend only on the problem and the machine, cached between evaluations:
the torch.compile baseline (its compile alone takes tens of seconds) and the copy bandwidth.

A cache entry's key covers everything that could change the number: the problem's source and
overrides, the GPU, torch and Triton versions, and the timing protocol.

A `baselines` request (`lathe suite baselines`) measures a problem's eager and torch.compile
baselines without a candidate, filling the same cache an evaluation reads: a suite evaluated
afterwards compiles nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from lathe_worker.protocol import BaselinesRequest, Timing


def cache_key(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def machine_identity() -> dict[str, Any]:
    import triton

    return {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "triton": triton.__version__,
        "cuda": torch.version.cuda,
    }


def cached(cache_dir: str | None, kind: str, key: str, measure: Callable[[], dict]) -> dict:
    """The cached measurement, or a fresh one (then cached). `cached` tells which."""
    path = Path(cache_dir) / kind / f"{key}.json" if cache_dir else None
    if path and path.is_file():
        try:
            return {**json.loads(path.read_text()), "cached": True}
        except (OSError, json.JSONDecodeError):
            pass
    value = measure()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(value))
        os.replace(tmp, path)
    return {**value, "cached": False}


def compile_key(problem_source: str, overrides: dict, timing: Timing) -> str:
    protocol = {k: v for k, v in asdict(timing).items() if k != "cache_dir"}
    return cache_key("torch.compile", problem_source, overrides, machine_identity(), protocol)


def compile_baseline(
    problem_path: Path, overrides: dict, timing: Timing, model: Any, inputs: list[Any], timer: Any
) -> dict[str, Any]:
    """The torch.compile'd reference's timing (and its compile time), cached; `cached` tells
    whether it was measured now."""
    import time

    from lathe_worker.timing import measure

    def run() -> dict[str, Any]:
        started = time.perf_counter()
        try:
            compiled = torch.compile(model)
            with torch.no_grad():
                compiled(*inputs)
            torch.cuda.synchronize()
        except Exception as e:
            return {"error": f"torch.compile failed: {type(e).__name__}: {e}"[:1000]}
        compile_seconds = time.perf_counter() - started
        with torch.no_grad():
            stats = measure(timer, lambda: compiled(*inputs), timing)
        return {**stats, "compile_seconds": compile_seconds}

    key = compile_key(problem_path.read_text(), overrides, timing)
    return cached(timing.cache_dir, "torch_compile", key, run)


def measure_baselines(request: BaselinesRequest) -> dict[str, Any]:
    """A problem's eager and torch.compile timings on inputs of the evaluation's seed, with the
    identity of the machine that measured them."""
    from lathe_worker import models
    from lathe_worker.loading import load_problem
    from lathe_worker.reference import Reference
    from lathe_worker.timing import CallTimer, measure
    from lathe_worker.verdicts import EnvironmentProblem

    if not torch.cuda.is_available():
        raise EnvironmentProblem("baselines are GPU timings, and torch sees no CUDA device")
    device = torch.device("cuda")
    problem = load_problem(request.problem_path, request.overrides)
    reference = Reference(problem, request.seed, device)
    inputs = models.make_inputs(problem, request.seed, device)
    timer = CallTimer(device)
    with torch.no_grad():
        eager = measure(timer, lambda: reference.model(*inputs), request.timing)
    result: dict[str, Any] = {
        "machine": machine_identity(),
        "eager": _brief(eager),
        "compile_key": compile_key(
            request.problem_path.read_text(), request.overrides, request.timing
        ),
    }
    if request.compile:
        compiled = compile_baseline(
            request.problem_path, request.overrides, request.timing, reference.model, inputs, timer
        )
        result["torch_compile"] = _brief(compiled)
    return result


def _brief(stats: dict[str, Any]) -> dict[str, Any]:
    """A timing summary without its raw times (a baseline's record keeps the figures)."""
    return {k: v for k, v in stats.items() if k != "raw_ms"}
