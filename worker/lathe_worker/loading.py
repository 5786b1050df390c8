"""Loading a problem and a candidate from their files.

Both are executed as fresh modules under fixed names, so Triton finds their source (it reads a
kernel's source through its module) and two evaluations never share state. Size overrides
(``--set batch_size=2``) rewrite the problem's top-level assignments before it runs, so that
constants derived from them (``bias_shape = (out_channels, 1, 1)``) follow.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from lathe_worker.verdicts import (
    EnvironmentProblem,
    ProblemError,
    VerdictReached,
    compile_error,
    environment_cause,
    runtime_error,
)

PROBLEM_MODULE = "lathe_problem"
CANDIDATE_MODULE = "lathe_candidate"
PROBLEM_NAMES = ("Model", "get_inputs", "get_init_inputs")


def load_problem(path: Path, overrides: dict[str, Any], name: str = PROBLEM_MODULE) -> ModuleType:
    """The problem module with its size constants overridden; ProblemError when unusable."""
    try:
        source = path.read_text()
    except OSError as e:
        raise ProblemError(f"cannot read problem file {path}: {e.strerror}") from e
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as e:
        message = f"problem file {path} has a syntax error at line {e.lineno}: {e.msg}"
        raise ProblemError(message) from None
    tree = _apply_overrides(tree, overrides, path)
    module = _new_module(name, path)
    try:
        exec(compile(tree, str(path), "exec"), module.__dict__)
    except Exception as e:
        raise ProblemError(f"problem file {path} failed to load: {type(e).__name__}: {e}") from e
    missing = [n for n in PROBLEM_NAMES if not hasattr(module, n)]
    if missing:
        raise ProblemError(f"problem file {path} defines no {', '.join(missing)}")
    return module


def size_constants(path: Path) -> dict[str, int]:
    """The problem's module-level integer constants, in file order: what overrides may change."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: dict[str, int] = {}
    for stmt in tree.body:
        target, value = _simple_assignment(stmt)
        if target and isinstance(value, ast.Constant) and type(value.value) is int:
            found[target] = value.value
    return found


def load_candidate(path: Path) -> ModuleType:
    """The candidate module; a load failure becomes its verdict."""
    try:
        source = path.read_text()
    except OSError as e:
        raise VerdictReached(compile_error(f"cannot read {path}: {e.strerror}", "load")) from e
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as e:
        message = f"{path.name} line {e.lineno}: {e.msg}"
        raise VerdictReached(compile_error(message, "load", e)) from e
    module = _new_module(CANDIDATE_MODULE, path)
    try:
        exec(code, module.__dict__)
    except BaseException as e:  # SystemExit and KeyboardInterrupt from a candidate are its errors
        lack = environment_cause(e)
        if lack is not None:
            raise EnvironmentProblem(f"{lack} ({type(e).__name__}: {str(e).strip()[:300]})") from e
        if _is_build_failure(e):
            message = f"{path.name} failed to build: {type(e).__name__}: {e}"
            raise VerdictReached(compile_error(message, "load", e)) from e
        raise VerdictReached(runtime_error(e, "load")) from e
    if not isinstance(getattr(module, "ModelNew", None), type):
        message = f"{path.name} defines no class ModelNew"
        raise VerdictReached(compile_error(message, "load"))
    return module


def _is_build_failure(error: BaseException) -> bool:
    text = f"{type(error).__name__}: {error}"
    return "Error building extension" in text or "CompilationError" in text


def _new_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module
    return module


def _simple_assignment(stmt: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return target.id, stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
        return stmt.target.id, stmt.value
    return None, None


def _apply_overrides(tree: ast.Module, overrides: dict[str, Any], path: Path) -> ast.Module:
    remaining = dict(overrides)
    for stmt in tree.body:
        target, _ = _simple_assignment(stmt)
        if target in remaining:
            value = remaining.pop(target)
            literal = ast.parse(repr(_as_literal(value)), mode="eval").body
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                stmt.value = literal
    if remaining:
        names = ", ".join(sorted(remaining))
        raise ProblemError(f"problem file {path} has no module-level constant {names} to override")
    return ast.fix_missing_locations(tree)


def _as_literal(value: Any) -> Any:
    # JSON has no tuples; shapes written as lists become the tuples problems use.
    if isinstance(value, list):
        return tuple(_as_literal(v) for v in value)
    return value
