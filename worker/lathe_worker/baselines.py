"""Measurements that depend only on the problem and the machine, cached between evaluations:
the torch.compile baseline (its compile alone takes tens of seconds) and the copy bandwidth.

A cache entry's key covers everything that could change the number: the problem's source and
overrides, the GPU, torch and Triton versions, and the timing protocol.
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

from lathe_worker.protocol import Timing


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
