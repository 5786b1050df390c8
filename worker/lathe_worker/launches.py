"""Which of the candidate's own kernels ran, and running the model with them switched off.

Triton kernels are traced at their launch: every `kernel[grid](...)` (and every autotuner trial)
goes through `JITFunction.run`, or `InterpretedFunction.run` under TRITON_INTERPRET=1; both are
wrapped once, before the candidate is imported, and count launches of functions defined in the
candidate's module. CUDA kernels built with `load_inline` are traced at the Python boundary: the
extension module it returns is wrapped, and each call of a compiled function is counted.

"Ghost" mode answers "do the candidate's kernels do real work?": Triton launches are skipped
(their output buffers keep whatever was there, poison included), and compiled CUDA functions'
results are overwritten with NaN. If the model's output is unchanged, the kernels did nothing
that mattered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import torch

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
