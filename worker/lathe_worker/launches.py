"""Which of the candidate's own kernels ran, and running the model with them switched off.

Triton kernels are traced at their launch: every `kernel[grid](...)` (and every autotuner trial)
goes through `JITFunction.run`, or `InterpretedFunction.run` under TRITON_INTERPRET=1; both are
wrapped once, before the candidate is imported, and count launches of functions defined in the
candidate's module. CUDA kernels built with `load_inline` are traced at the Python boundary: the
extension module it returns is wrapped, and each call of a compiled function is counted.

"Ghost" mode answers "do the candidate's kernels do real work?": Triton launches are skipped,
compiled CUDA functions' results are overwritten with NaN, and every tensor allocated through
PyTorch's Python API during the call without being initialised (`empty`, `empty_like`,
`new_empty`, ...) starts as NaN (or the largest value of an integer type). If the model's output
is unchanged, the kernels did nothing that mattered. The poisoned allocations matter for honest
candidates: a buffer that only the switched-off kernels would have written must not hold an
earlier call's values just because the allocator handed back the same bytes.

The poisoning is a function mode (PyTorch's Python API), not a dispatch mode: the first entry
into any dispatch mode imports PyTorch's compiler stack (dynamo, sympy: seconds on every
runner's start), and uninitialised memory reaches Python only through these calls (PyTorch's
own ops initialise what they return; a compiled extension's results are poisoned whole).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from lathe_worker.loading import CANDIDATE_MODULE


class LaunchTracker:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.ghost = False

    def reset(self) -> None:
        self.counts.clear()

    @contextmanager
    def ghosted(self):
        self.ghost = True
        try:
            with _PoisonedAllocations():
                yield
        finally:
            self.ghost = False


TRACKER = LaunchTracker()
_installed = False


def install(backend: str) -> None:
    """Wraps the launch paths; call once, before the candidate is imported."""
    global _installed
    if _installed:
        return
    _installed = True
    if backend == "cuda":
        _wrap_load_inline()
    _wrap_triton_run()


def _wrap_triton_run() -> None:
    import triton.runtime.jit as jit

    classes: list[type] = [jit.JITFunction]
    try:
        from triton.runtime.interpreter import InterpretedFunction

        classes.append(InterpretedFunction)
    except ImportError:
        pass
    for cls in classes:
        original = cls.run

        def run(self: Any, *args: Any, __original: Callable = original, **kwargs: Any) -> Any:
            fn = getattr(self, "fn", None)
            if getattr(fn, "__module__", None) == CANDIDATE_MODULE:
                TRACKER.counts[getattr(fn, "__name__", "?")] += 1
                if TRACKER.ghost:
                    return None
            return __original(self, *args, **kwargs)

        cls.run = run


class _TracedExtension:
    """A compiled extension module whose functions count their calls."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._module, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            TRACKER.counts[name] += 1
            result = attr(*args, **kwargs)
            if TRACKER.ghost:
                _poison(result)
            return result

        return call


class _PoisonedAllocations(TorchFunctionMode):
    """Fills every uninitialised allocation made through PyTorch's Python API with poison."""

    _UNINITIALISED = frozenset(
        ("empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided")
    )

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if getattr(func, "__name__", None) in self._UNINITIALISED and isinstance(
            result, torch.Tensor
        ):
            _fill_poison(result)
        return result


def prepare_ghost() -> None:
    """Enters the poisoning mode once before the guards' snapshot, so that nothing PyTorch sets
    up on a mode's first entry can look like the candidate's doing."""
    with _PoisonedAllocations():
        torch.empty(1)


def _fill_poison(t: torch.Tensor) -> None:
    if t.numel() == 0:
        return
    if t.dtype.is_floating_point or t.dtype.is_complex:
        t.fill_(float("nan"))
    elif t.dtype == torch.bool:
        t.fill_(True)
    else:
        t.fill_(torch.iinfo(t.dtype).max)


def _poison(result: Any) -> None:
    for item in result if isinstance(result, tuple | list) else [result]:
        if isinstance(item, torch.Tensor) and item.dtype.is_floating_point:
            item.fill_(float("nan"))


def _wrap_load_inline() -> None:
    import torch.utils.cpp_extension as ext

    for name in ("load_inline", "load"):
        original = getattr(ext, name)

        def load(*args: Any, __original: Callable = original, **kwargs: Any) -> Any:
            return _TracedExtension(__original(*args, **kwargs))

        setattr(ext, name, load)


def allow_autotune_under_interpreter() -> None:
    """`@triton.autotune` asks the active GPU driver for a benchmarker, and under
    TRITON_INTERPRET=1 there is none ("0 active drivers"). The interpreter gets one here: each
    config runs once, timed by the wall clock, so every config is exercised and one is chosen,
    as on a GPU. Call once, before the candidate is imported."""
    import time

    from triton.runtime import autotuner

    def bench(kernel_call: Callable[[], Any], quantiles: Any = None) -> Any:
        started = time.perf_counter()
        kernel_call()
        ms = (time.perf_counter() - started) * 1e3
        return [ms] * len(quantiles) if quantiles else ms

    autotuner.Autotuner.do_bench = property(lambda self: self._do_bench or bench)
