"""Requests in, results out: the JSON shapes of docs/design/worker-protocol.md.

The request is parsed into plain dataclasses with every default spelled out here, so the rest of
the worker never looks at raw JSON. Results are built as dicts and written atomically (temporary
file, then rename): the harness either finds a whole result or none.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lathe_worker import PROTOCOL_VERSION

DEVICES = ("cuda", "interpret")
BACKENDS = ("triton", "cuda")
POLICIES = ("default", "strict")
# How floating outputs are judged (compare.py; docs/design/judge.md, "Correctness").
RULES = ("error-factor", "kernelbench")
# The error-factor rule's factor: a candidate may be off by this many times PyTorch's own
# largest float32 error on the same output.
DEFAULT_ERROR_FACTOR = 8.0

# KernelBench's tolerances: [atol, rtol] by output dtype.
DEFAULT_TOLERANCES = {
    "float32": (1e-4, 1e-4),
    "float64": (1e-4, 1e-4),
    "float16": (1e-2, 1e-2),
    "bfloat16": (1e-2, 1e-2),
}


class ProtocolError(Exception):
    """The request cannot be understood."""


@dataclass(frozen=True)
class Correctness:
    trials: int = 5
    seed: int = 42
    tolerances: dict[str, tuple[float, float]] = field(
        default_factory=lambda: dict(DEFAULT_TOLERANCES)
    )
    second_shape: bool = True
    rule: str = "error-factor"
    error_factor: float = DEFAULT_ERROR_FACTOR


@dataclass(frozen=True)
class Timing:
    """GPU timing (`enabled`, cuda only), or, on the interpreter and only when asked, the
    interpreted forward's wall time (`interpreter`; interpreter_timing.py)."""

    enabled: bool = True
    min_runs: int = 100
    min_seconds: float = 1.0
    max_runs: int = 10_000
    max_seconds: float = 20.0
    warmup_runs: int = 10
    warmup_seconds: float = 1.0
    compile_baseline: bool = True
    cache_dir: str | None = None
    interpreter: bool = False


@dataclass(frozen=True)
class EvalRequest:
    device: str
    problem_path: Path
    overrides: dict[str, Any]
    candidate_path: Path
    backend: str
    kernels: tuple[str, ...]
    correctness: Correctness
    timing: Timing
    policy: str
    file_size_bytes: int | None
    progress_path: Path | None
    # Where the runner keeps its compiler caches (Triton, torch extensions); None: its scratch.
    runner_cache_dir: Path | None = None


@dataclass(frozen=True)
class ProfileRequest:
    """The candidate's forward, warmed up, then once inside the profiler's region."""

    device: str
    problem_path: Path
    overrides: dict[str, Any]
    candidate_path: Path
    backend: str
    kernels: tuple[str, ...]
    seed: int
    min_warmup_runs: int
    max_warmup_runs: int
    file_size_bytes: int | None
    progress_path: Path | None


@dataclass(frozen=True)
class BaselinesRequest:
    """A problem's eager and torch.compile timings, without a candidate (baselines.py)."""

    device: str
    problem_path: Path
    overrides: dict[str, Any]
    seed: int
    timing: Timing
    compile: bool


@dataclass(frozen=True)
class ProbeRequest:
    device: str
    ncu: str | None
    cache_dir: str | None


def _get(obj: dict, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = obj.get(key, default)
    if value is None:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ProtocolError(f"`{key}` must be {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _choice(obj: dict, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = _get(obj, key, str, default)
    if value not in choices:
        raise ProtocolError(f"`{key}` must be one of {', '.join(choices)}, got {value!r}")
    return value


def parse_request(
    data: Any,
) -> EvalRequest | ProfileRequest | ProbeRequest | BaselinesRequest:
    if not isinstance(data, dict):
        raise ProtocolError("the request must be a JSON object")
    version = data.get("protocol")
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"protocol version {version!r}; this worker speaks {PROTOCOL_VERSION}")
    kind = _choice(data, "kind", ("eval", "profile", "probe", "baselines"))
    device = _choice(data, "device", DEVICES, "cuda")
    if kind == "probe":
        return ProbeRequest(
            device=device, ncu=_get(data, "ncu", str), cache_dir=_get(data, "cache_dir", str)
        )
    problem = _get(data, "problem", dict, {})
    candidate = _get(data, "candidate", dict, {})
    progress = _get(data, "progress_path", str)
    if kind == "profile":
        return _profile_request(data, device, problem, candidate, progress)
    c = _get(data, "correctness", dict, {})
    t = _get(data, "timing", dict, {})
    tolerances = dict(DEFAULT_TOLERANCES)
    for dtype, pair in _get(c, "tolerances", dict, {}).items():
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ProtocolError(f"tolerance for {dtype} must be [atol, rtol]")
        tolerances[dtype] = (float(pair[0]), float(pair[1]))
    timing = _timing(t, device)
    if kind == "baselines":
        return BaselinesRequest(
            device=device,
            problem_path=Path(_get(problem, "path", str, "")),
            overrides=_get(problem, "overrides", dict, {}),
            seed=_get(data, "seed", int, 42),
            timing=timing,
            compile=timing.compile_baseline,
        )
    return EvalRequest(
        device=device,
        problem_path=Path(_get(problem, "path", str, "")),
        overrides=_get(problem, "overrides", dict, {}),
        candidate_path=Path(_get(candidate, "path", str, "")),
        backend=_choice(candidate, "backend", BACKENDS, "triton"),
        kernels=tuple(_get(candidate, "kernels", list, [])),
        correctness=Correctness(
            trials=_get(c, "trials", int, 5),
            seed=_get(c, "seed", int, 42),
            tolerances=tolerances,
            second_shape=_get(c, "second_shape", bool, True),
            rule=_choice(c, "rule", RULES, "error-factor"),
            error_factor=_positive(_get(c, "error_factor", float, DEFAULT_ERROR_FACTOR)),
        ),
        timing=timing,
        policy=_choice(_get(data, "integrity", dict, {}), "policy", POLICIES, "default"),
        file_size_bytes=_get(_get(data, "limits", dict, {}), "file_size_bytes", int),
        progress_path=Path(progress) if progress else None,
        runner_cache_dir=_optional_path(_get(_get(data, "runner", dict, {}), "cache_dir", str)),
    )


def _timing(t: dict, device: str) -> Timing:
    defaults = Timing()
    # `enabled: false` switches every measurement off; each kind only runs where it means
    # something: GPU timing on cuda, interpreter wall time on the interpreter.
    measure = _get(t, "enabled", bool, defaults.enabled)
    return Timing(
        enabled=measure and device == "cuda",
        min_runs=_get(t, "min_runs", int, defaults.min_runs),
        min_seconds=_get(t, "min_seconds", float, defaults.min_seconds),
        max_runs=_get(t, "max_runs", int, defaults.max_runs),
        max_seconds=_get(t, "max_seconds", float, defaults.max_seconds),
        warmup_runs=_get(t, "warmup_runs", int, defaults.warmup_runs),
        warmup_seconds=_get(t, "warmup_seconds", float, defaults.warmup_seconds),
        compile_baseline=_get(t, "compile_baseline", bool, defaults.compile_baseline),
        cache_dir=_get(t, "cache_dir", str),
        interpreter=_get(t, "interpreter", bool, defaults.interpreter)
        and measure
        and device == "interpret",
    )


def _positive(value: float) -> float:
    if not value > 0:
        raise ProtocolError(f"`error_factor` must be positive, got {value!r}")
    return value


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _profile_request(
    data: dict, device: str, problem: dict, candidate: dict, progress: str | None
) -> ProfileRequest:
    warmup = _get(data, "warmup", dict, {})
    min_runs = _get(warmup, "min_runs", int, 2)
    max_runs = _get(warmup, "max_runs", int, 10)
    if not 1 <= min_runs <= max_runs:
        raise ProtocolError(
            f"warmup runs: need 1 <= min_runs <= max_runs, got {min_runs} and {max_runs}"
        )
    return ProfileRequest(
        device=device,
        problem_path=Path(_get(problem, "path", str, "")),
        overrides=_get(problem, "overrides", dict, {}),
        candidate_path=Path(_get(candidate, "path", str, "")),
        backend=_choice(candidate, "backend", BACKENDS, "triton"),
        kernels=tuple(_get(candidate, "kernels", list, [])),
        seed=_get(data, "seed", int, 42),
        min_warmup_runs=min_runs,
        max_warmup_runs=max_runs,
        file_size_bytes=_get(_get(data, "limits", dict, {}), "file_size_bytes", int),
        progress_path=Path(progress) if progress else None,
    )


def write_result(path: Path, result: dict[str, Any]) -> None:
    """Writes the result atomically: the harness sees the whole file or none."""
    result = _finite({"protocol": PROTOCOL_VERSION, **result})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(result, allow_nan=False, default=_jsonable))
    os.replace(tmp, path)


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such numbers become null (the text says what they were)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | set):
        return list(value)
    raise TypeError(f"not JSON-serializable: {type(value).__name__}")
