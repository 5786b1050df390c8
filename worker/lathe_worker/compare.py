"""Comparing a candidate's outputs with the reference's.

Semantics (the defaults are KernelBench's): a value matches when |got - ref| <= atol + rtol*|ref|,
computed in float32 (float64 for float64 outputs) on the device the outputs are on. Shapes and
dtypes must be exact. NaN and infinity are allowed only where the reference has the same
non-finite value: NaN is never a wildcard.

A tolerance that zeros, a constant or one of the inputs would also pass proves nothing (tiny
outputs under atol=1e-4 are the usual case). Such a check is tightened to a magnitude-aware one,
atol = rtol * rms(reference); if a trivial output still passes, the problem's output carries no
information at these inputs and no candidate can be shown correct.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from lathe_worker.verdicts import VerdictReached, rejected


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float
    magnitude_aware: bool = False


def as_tensor_list(output: Any, who: str) -> list[torch.Tensor]:
    """A forward's outputs as a flat list; refuses what is not plainly a tensor."""
    items = list(output) if isinstance(output, tuple | list) else [output]
    tensors = []
    for i, item in enumerate(items):
        if not isinstance(item, torch.Tensor):
            raise VerdictReached(
                rejected(
                    "lazy-output",
                    f"{who} output {i} is a {type(item).__name__}, not a torch.Tensor",
                )
            )
        if type(item) not in (torch.Tensor, torch.nn.Parameter):
            raise VerdictReached(
                rejected(
                    "lazy-output",
                    f"{who} output {i} is a {type(item).__qualname__}, a subclass of "
                    "torch.Tensor that could compute inside the checker",
                )
            )
        if item.is_meta or item.layout != torch.strided:
            raise VerdictReached(
                rejected("lazy-output", f"{who} output {i} has no ordinary storage")
            )
        tensors.append(item)
    return tensors


def compare(ref: torch.Tensor, got: torch.Tensor, tol: Tolerance) -> dict[str, Any]:
    """Error statistics, with `reason` set when the output does not match."""
    if got.shape != ref.shape:
        return {"reason": "shape", "expected": list(ref.shape), "got": list(got.shape)}
    if got.dtype != ref.dtype:
        return {"reason": "dtype", "expected": str(ref.dtype), "got": str(got.dtype)}
    if ref.numel() == 0:
        return {"max_abs": 0.0, "max_rel": 0.0}
    if not (ref.dtype.is_floating_point or ref.dtype.is_complex):
        bad = got != ref
        r, g = ref.double(), got.double()
        stats = _stats(r, g, bad, torch.zeros_like(r))
        return stats if not bad.any() else {"reason": "values", **stats}
    # float32 arithmetic suffices for outputs of at most float32 precision, and keeps a
    # multi-gigabyte comparison on the GPU affordable; float64 outputs are compared in float64.
    work = torch.float64 if ref.dtype == torch.float64 else torch.float32
    r, g = ref.to(work), got.to(work)
    finite = torch.isfinite(r)
    # Non-finite values must be the reference's own, position by position.
    nonfinite_bad = (~torch.isfinite(g) & finite) | (~finite & ~_same_nonfinite(r, g))
    if nonfinite_bad.any():
        return {
            "reason": "nonfinite",
            "count": int(nonfinite_bad.sum()),
            "mismatch_fraction": float(nonfinite_bad.double().mean()),
            "worst_index": _unravel(int(nonfinite_bad.flatten().nonzero()[0]), ref.shape),
        }
    diff = torch.where(finite, (g - r).abs(), torch.zeros_like(r))
    allowed = tol.atol + tol.rtol * r.abs()
    bad = finite & (diff > allowed)
    stats = _stats(r, g, bad, diff - allowed, diff, tol)
    return {"reason": "values", **stats} if bad.any() else stats


def _same_nonfinite(r: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    return (torch.isnan(r) & torch.isnan(g)) | (torch.isinf(r) & (r == g))


def _stats(
    r: torch.Tensor,
    g: torch.Tensor,
    bad: torch.Tensor,
    excess: torch.Tensor,
    diff: torch.Tensor | None = None,
    tol: Tolerance | None = None,
) -> dict[str, Any]:
    diff = (g - r).abs() if diff is None else diff
    atol = tol.atol if tol else 0.0
    rel = diff / (r.abs() + max(atol, 1e-30))
    worst = int(torch.argmax(excess.flatten())) if excess.numel() else 0
    flat_r, flat_g = r.flatten(), g.flatten()
    return {
        "max_abs": float(diff.max()) if diff.numel() else 0.0,
        "max_rel": float(rel.max()) if rel.numel() else 0.0,
        "mismatch_fraction": float(bad.double().mean()) if bad.numel() else 0.0,
        "worst_index": _unravel(worst, r.shape),
        "expected_at_worst": float(flat_r[worst]) if flat_r.numel() else None,
        "got_at_worst": float(flat_g[worst]) if flat_g.numel() else None,
    }


def _unravel(flat: int, shape: torch.Size) -> list[int]:
    index = []
    for size in reversed(shape):
        index.append(flat % size if size else 0)
        flat //= max(size, 1)
    return list(reversed(index))


def tolerance_for(
    ref: torch.Tensor,
    inputs: list[Any],
    base: tuple[float, float],
    output_index: int,
) -> Tolerance:
    """The tolerance to judge this output with: the base one, unless a trivial output passes it.

    Raises VerdictReached(rejected trivial-output-passes) when even a magnitude-aware tolerance
    cannot tell a trivial output from the reference.
    """
    tol = Tolerance(*base)
    if not ref.dtype.is_floating_point or ref.numel() == 0:
        return tol
    if _trivial_that_passes(ref, inputs, tol) is None:
        return tol
    finite = ref[torch.isfinite(ref)].double()
    rms = float(finite.pow(2).mean().sqrt()) if finite.numel() else 0.0
    tight = Tolerance(atol=min(tol.atol, tol.rtol * rms), rtol=tol.rtol, magnitude_aware=True)
    passing = _trivial_that_passes(ref, inputs, tight) if tight.atol > 0 else "zeros"
    if passing is not None:
        raise VerdictReached(
            rejected(
                "trivial-output-passes",
                f"{passing} matches reference output {output_index} even under a "
                f"magnitude-aware tolerance (atol={tight.atol:.3g}, rtol={tight.rtol:g}): at "
                "these inputs the output carries no information, so no kernel can be shown "
                "correct",
            )
        )
    return tight


def _trivial_that_passes(ref: torch.Tensor, inputs: list[Any], tol: Tolerance) -> str | None:
    finite = ref[torch.isfinite(ref)]
    mean = float(finite.double().mean()) if finite.numel() else 0.0
    candidates = [
        ("zeros", torch.zeros_like(ref)),
        (f"the constant {mean:.6g}", torch.full_like(ref, mean)),
    ]
    for i, x in enumerate(inputs):
        if isinstance(x, torch.Tensor) and x.shape == ref.shape and x.dtype == ref.dtype:
            candidates.append((f"input {i} passed through", x.detach().to(ref.device)))
    for name, trivial in candidates:
        if "reason" not in compare(ref, trivial, tol):
            return name
    return None
