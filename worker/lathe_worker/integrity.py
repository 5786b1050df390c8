"""Runtime integrity guards: what a candidate may not change around itself.

Taken before the candidate is imported, then checked after its import and after every call:
- the functions the harness and the reference rely on (timing, synchronization, comparison,
  PyTorch's functional ops) are the same objects [integrity row 4; also a reference made
  easier by patching the ops it calls, row 8];
- global numerics switches (TF32, reduced-precision reductions, default dtype, matmul
  precision) are unchanged [row 12];
- no thread the candidate started is still alive after its call returned [row 2];
- no CUDA graph was captured during a call: lathe times the kernels a forward launches, and a
  graph recorded during one call and replayed in another hides work across calls [row 6].
Each violation is a `rejected` verdict naming the rule and the object.

These guards run in the runner, the candidate's own process, where a determined candidate can
defeat them (ctypes, /proc/self/mem): they name honest mistakes and lazy cheats. What no
candidate can defeat lives in the judge (docs/design/judge.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional

from lathe_worker.verdicts import VerdictReached, rejected


def _guarded_namespaces(extra: dict[str, Any]) -> dict[str, Any]:
    return extra | {
        "torch": torch,
        "torch.cuda": torch.cuda,
        "torch.cuda.Event": torch.cuda.Event,
        "torch.Tensor": torch.Tensor,
        "torch.nn.Module": torch.nn.Module,
        "torch.nn.functional": torch.nn.functional,
        "torch.testing": torch.testing,
        "time": time,
    }


def _callables(namespace: Any) -> dict[str, int]:
    items = vars(namespace).items()
    return {name: id(value) for name, value in items if callable(value)}


def _flags() -> dict[str, Any]:
    backends = torch.backends
    return {
        "torch.backends.cuda.matmul.allow_tf32": backends.cuda.matmul.allow_tf32,
        "torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction": (
            backends.cuda.matmul.allow_fp16_reduced_precision_reduction
        ),
        "torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction": (
            backends.cuda.matmul.allow_bf16_reduced_precision_reduction
        ),
        "torch.backends.cudnn.allow_tf32": backends.cudnn.allow_tf32,
        "torch.backends.cudnn.enabled": backends.cudnn.enabled,
        "torch.backends.cudnn.benchmark": backends.cudnn.benchmark,
        "torch.backends.cudnn.deterministic": backends.cudnn.deterministic,
        "torch.get_float32_matmul_precision()": torch.get_float32_matmul_precision(),
        "torch.get_default_dtype()": torch.get_default_dtype(),
    }


class GraphWatch:
    """Counts CUDA graph captures: `torch.cuda.graph`, `make_graphed_callables` and a bare
    `CUDAGraph` all begin with `_CUDAGraph.capture_begin`, wrapped once before the candidate is
    imported."""

    def __init__(self) -> None:
        self.captures = 0

    def install(self) -> None:
        graph_class = getattr(torch._C, "_CUDAGraph", None)
        original = getattr(graph_class, "capture_begin", None)
        if original is None:
            return

        def capture_begin(*args: Any, **kwargs: Any) -> Any:
            self.captures += 1
            return original(*args, **kwargs)

        graph_class.capture_begin = capture_begin


GRAPHS = GraphWatch()


class Guards:
    """The harness's view of the world before the candidate touched it. `harness` names the
    runner's own modules, whose functions must not change either."""

    def __init__(self, harness: dict[str, Any] | None = None) -> None:
        self._harness = harness or {}
        self.refresh()
        # References the harness itself uses, kept so that timing never calls a patched one.
        self.synchronize: Callable[[], None] = torch.cuda.synchronize
        self.event: type = torch.cuda.Event
        self.perf_counter: Callable[[], float] = time.perf_counter

    def refresh(self) -> None:
        """Takes the snapshot again, after the harness itself changed the world (the Triton
        interpreter's autotune benchmarker, installed with the candidate's backend)."""
        self._namespaces = _guarded_namespaces(self._harness)
        self._identities = {key: _callables(ns) for key, ns in self._namespaces.items()}
        self._flags = _flags()

    def check(self, when: str) -> None:
        for key, namespace in self._namespaces.items():
            now = _callables(namespace)
            for name, ident in self._identities[key].items():
                if now.get(name, ident) != ident:
                    rule = "harness-tamper" if key in self._harness else "timer-patch"
                    raise VerdictReached(rejected(rule, f"{key}.{name} was replaced {when}"))
        flags = _flags()
        for name, before in self._flags.items():
            if flags[name] != before:
                raise VerdictReached(
                    rejected(
                        "precision-flags",
                        f"{name} changed from {before!r} to {flags[name]!r} {when}",
                    )
                )

    @staticmethod
    def before_call() -> tuple[set[threading.Thread], int]:
        return set(threading.enumerate()), GRAPHS.captures

    def after_call(self, before: tuple[set[threading.Thread], int], when: str) -> None:
        threads, captures = before
        self.check_threads(threads, when)
        if GRAPHS.captures != captures:
            raise VerdictReached(
                rejected(
                    "cuda-graph",
                    f"a CUDA graph was captured during the call {when}: lathe times the kernels "
                    "each forward launches, and a graph recorded in one call can carry work "
                    "into another",
                )
            )
        self.check(f"during the call {when}")

    @staticmethod
    def check_threads(before: set[threading.Thread], when: str) -> None:
        """No thread started since `before` was taken may still be running [row 2]."""
        started = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if started:
            names = ", ".join(t.name for t in started)
            raise VerdictReached(
                rejected("threads", f"thread(s) {names} still running after the call {when}")
            )
