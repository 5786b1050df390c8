"""Verdicts as the worker reports them, and the exceptions that carry them out of deep code.

A check that decides the verdict raises ``VerdictReached``; the evaluation's top level turns it
into the result. Payload shapes are those of docs/design/worker-protocol.md.
"""

from __future__ import annotations

import traceback
from typing import Any

TRACEBACK_TAIL_LINES = 40


class VerdictReached(Exception):
    """The candidate's verdict is known; stop evaluating."""

    def __init__(self, verdict: dict[str, Any]):
        super().__init__(verdict.get("kind"))
        self.verdict = verdict


class ProblemError(Exception):
    """The problem file is unusable: bad input, not a verdict on the candidate."""


class EnvironmentProblem(Exception):
    """The machine cannot run what the candidate legitimately asks for (no ninja or nvcc for
    `load_inline`): the environment's fault, not a verdict on the candidate."""


# What a build or a call reports when a tool the machine should provide is missing.
_MISSING_TOOLS = (
    ("Ninja is required", "ninja (pip install ninja) is needed to build load_inline sources"),
    ("CUDA_HOME environment variable is not set", "no CUDA toolkit found: set CUDA_HOME"),
    ("nvcc: not found", "nvcc is not on PATH"),
    ("No such file or directory: 'nvcc'", "nvcc is not on PATH"),
    ("/bin/nvcc': No such file", "nvcc is not where CUDA_HOME says"),
    ("command 'c++' failed", "no C++ compiler (c++) for load_inline"),
    ("0 active drivers", "Triton found no GPU driver to run on"),
)


def environment_cause(error: BaseException) -> str | None:
    """What the machine lacks, when that is why `error` happened; None for the candidate's own
    errors."""
    text = f"{type(error).__name__}: {error}"
    cause = error.__cause__ or error.__context__
    if cause is not None:
        text += f" {type(cause).__name__}: {cause}"
    for marker, lack in _MISSING_TOOLS:
        if marker in text:
            return lack
    return None


def traceback_tail(error: BaseException, lines: int = TRACEBACK_TAIL_LINES) -> str:
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return "\n".join(text.rstrip().splitlines()[-lines:])


def compile_error(message: str, phase: str, error: BaseException | None = None) -> dict[str, Any]:
    return {
        "kind": "compile_error",
        "message": message,
        "phase": phase,
        "traceback_tail": traceback_tail(error) if error else "",
    }


def runtime_error(error: BaseException, phase: str) -> dict[str, Any]:
    return {
        "kind": "runtime_error",
        "exception": type(error).__name__,
        "message": str(error).strip()[:2000],
        "phase": phase,
        "traceback_tail": traceback_tail(error),
    }


def crash_cuda(error: BaseException, phase: str) -> dict[str, Any]:
    return {
        "kind": "crash",
        "cuda_error": str(error).strip()[:2000],
        "phase": phase,
        "stderr_tail": traceback_tail(error),
    }


def rejected(rule: str, evidence: str, static: bool = False) -> dict[str, Any]:
    return {"kind": "rejected", "rule": rule, "evidence": evidence, "static": static}


def wrong(reason: str, trials: list[dict[str, Any]], phase: str) -> dict[str, Any]:
    return {"kind": "wrong", "reason": reason, "trials": trials, "phase": phase}


# Messages by which CUDA reports a fault that leaves the context unusable.
_CUDA_FAULTS = (
    "CUDA error",
    "Triton Error [CUDA]",
    "illegal memory access",
    "unspecified launch failure",
    "misaligned address",
    "device-side assert",
    "an illegal instruction",
    "CUDA driver error",
)


def is_cuda_fault(error: BaseException) -> bool:
    """Whether the error is a device fault (the process must end) rather than a Python error."""
    if type(error).__name__ == "AcceleratorError":
        return True
    text = str(error)
    return any(marker in text for marker in _CUDA_FAULTS) and "out of memory" not in text


def classify_failure(error: BaseException, phase: str) -> dict[str, Any]:
    """The verdict of an exception raised by a candidate call: a CUDA fault is a crash, a Triton
    compilation failure (at the first call, or its interpreter's equivalent) a compile error,
    anything else a runtime error. A missing tool is no verdict: EnvironmentProblem."""
    lack = environment_cause(error)
    if lack is not None:
        raise EnvironmentProblem(f"{lack} ({type(error).__name__}: {str(error).strip()[:300]})")
    if is_cuda_fault(error):
        return crash_cuda(error, phase)
    name = type(error).__name__
    if name in ("CompilationError", "CompileTimeAssertionFailure") or (
        name == "InterpreterError" and isinstance(error.__cause__, ValueError | TypeError)
    ):
        return compile_error(f"{name}: {error}".strip()[:4000], "first_call", error)
    return runtime_error(error, phase)
