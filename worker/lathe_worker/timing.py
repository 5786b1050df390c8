"""Timing on the GPU, after the method of ``triton.testing.do_bench``, made resistant to cheats.

Per timed call: the L2 cache is flushed by writing a buffer twice its size; a start event is
recorded; the callable runs; then a device-wide synchronize (so that work on any stream counts
[integrity row 1]) before the end event. The first call (JIT compilation, autotuning) is never
timed; warm-up runs by count and by time; timed runs continue until both a count and a time
budget are met (or a cap is hit). Several callables are timed interleaved, call by call, so that
clock drift and thermal state affect them alike. Statistics: median, IQR, min, mean, and the raw
array. Every function used here was captured before the candidate was imported.
"""

from __future__ import annotations

import ctypes
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from lathe_worker.integrity import Guards
from lathe_worker.protocol import Timing

FLUSH_MIN_BYTES = 64 << 20


@dataclass
class Timer:
    guards: Guards
    config: Timing

    def __post_init__(self) -> None:
        l2 = torch.cuda.get_device_properties(0).L2_cache_size
        self.l2_bytes = int(l2)
        size = max(2 * self.l2_bytes, FLUSH_MIN_BYTES)
        self.flush = torch.empty(size, dtype=torch.uint8, device="cuda")
        self.persisting_l2_reset = reset_persisting_l2()

    def measure(self, callables: dict[str, Callable[[], Any]]) -> dict[str, dict[str, Any]]:
        sync, clock, cfg = self.guards.synchronize, self.guards.perf_counter, self.config
        for fn in callables.values():
            fn()
        sync()
        started, runs = clock(), 0
        while runs < cfg.warmup_runs or clock() - started < cfg.warmup_seconds:
            for fn in callables.values():
                fn()
            runs += 1
            if clock() - started > cfg.max_seconds:
                break
        sync()
        times: dict[str, list[float]] = {name: [] for name in callables}
        host: dict[str, list[float]] = {name: [] for name in callables}
        started = clock()
        while True:
            for name, fn in callables.items():
                device_ms, host_ms = self._time_one(fn)
                times[name].append(device_ms)
                host[name].append(host_ms)
            runs, elapsed = len(times[next(iter(times))]), clock() - started
            enough = runs >= cfg.min_runs and elapsed >= cfg.min_seconds
            if enough or runs >= cfg.max_runs or elapsed >= cfg.max_seconds:
                break
        return {name: summarize(times[name], host[name]) for name in callables}

    def _time_one(self, fn: Callable[[], Any]) -> tuple[float, float]:
        event, sync, clock = self.guards.event, self.guards.synchronize, self.guards.perf_counter
        start, end = event(enable_timing=True), event(enable_timing=True)
        self.flush.zero_()
        host_start = clock()
        start.record()
        fn()
        sync()
        end.record()
        end.synchronize()
        host_ms = (clock() - host_start) * 1e3
        return start.elapsed_time(end), host_ms


def summarize(times_ms: list[float], host_ms: list[float] | None = None) -> dict[str, Any]:
    ordered = sorted(times_ms)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) >= 2 else [ordered[0]] * 3
    result = {
        "median_ms": statistics.median(ordered),
        "iqr_ms": quartiles[2] - quartiles[0],
        "min_ms": ordered[0],
        "mean_ms": statistics.fmean(ordered),
        "runs": len(ordered),
        "raw_ms": [round(t, 5) for t in times_ms],
        "drift": _drift(times_ms),
    }
    if host_ms:
        result["host_median_ms"] = statistics.median(host_ms)
    return result


def _drift(times_ms: list[float]) -> float | None:
    """How much slower the last quarter of the runs was than the first (negative: faster).
    Far from zero, the machine changed during the measurement (clocks ramping, a neighbour)
    and the median deserves less trust [integrity row 20]."""
    quarter = len(times_ms) // 4
    if quarter < 2:
        return None
    first = statistics.median(times_ms[:quarter])
    return statistics.median(times_ms[-quarter:]) / first - 1 if first > 0 else None


def reset_persisting_l2() -> bool:
    """Sets the persisting-L2 limit to 0, so that no access-policy window can keep a candidate's
    data in L2 across the flush [integrity row 16]. Best effort: False when no CUDA runtime
    library with cudaDeviceSetLimit can be loaded."""
    cuda_limit_persisting_l2_cache_size = 0x06
    for name in _cudart_candidates():
        try:
            lib = ctypes.CDLL(name)
            status = lib.cudaDeviceSetLimit(ctypes.c_int(cuda_limit_persisting_l2_cache_size), 0)
            return status == 0
        except (OSError, AttributeError):
            continue
    return False


def _cudart_candidates() -> list[str]:
    from pathlib import Path

    names = ["libcudart.so", "libcudart.so.13", "libcudart.so.12"]
    lib_dir = Path(torch.__file__).parent / "lib"
    found = sorted(str(p) for p in lib_dir.glob("libcudart*.so*"))
    try:
        import nvidia

        for root in getattr(nvidia, "__path__", []):
            found += sorted(str(p) for p in Path(root).glob("**/libcudart.so*"))
    except ImportError:
        pass
    return found + names


def copy_bandwidth_gb_s(nbytes: int = 1 << 30) -> float:
    """Device-to-device copy bandwidth, counting bytes read plus bytes written."""
    free, _ = torch.cuda.mem_get_info()
    nbytes = min(nbytes, free // 4)
    src = torch.empty(nbytes, dtype=torch.uint8, device="cuda").fill_(1)
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    torch.cuda.synchronize()
    samples = []
    for _ in range(20):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        dst.copy_(src)
        end.record()
        end.synchronize()
        samples.append(start.elapsed_time(end))
    ms = statistics.median(samples)
    return 2 * nbytes / (ms * 1e-3) / 1e9
