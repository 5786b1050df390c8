"""Comparing a candidate's outputs with the reference's.

An element of a floating output matches when

    |got - expected| <= max(atol + rtol * |expected|, slack)

`atol` and `rtol` are KernelBench's (by dtype). `slack` is what a reduction's summation order
may cost: under the default rule (`error-factor`, docs/design/judge.md, "Correctness") the
expected values are a float64 reference's, and `slack` is a stated factor times the largest
error PyTorch's own float32 computation makes on the same inputs; under `kernelbench` it is 0
and the expected values are the reference's in the problem's precision. Shapes and dtypes must
be exact. NaN and infinity are allowed only where the problem-precision reference has the same
non-finite value: NaN is never a wildcard.

A tolerance that zeros, a constant or one of the inputs would also pass proves nothing (tiny
outputs under atol=1e-4 are the usual case). Such a check is tightened to a magnitude-aware one,
atol = rtol * rms(reference); if a trivial output still passes, the problem's output carries no
information at these inputs and no candidate can be shown correct.

On a GPU a floating output is compared in one pass over memory by compare_kernel.py's Triton
kernel, which decides the common case (every value finite). Elsewhere, and whenever a value is not
finite, outputs are compared in chunks of PyTorch operations, so that a multi-gigabyte output
costs bounded extra memory; a chunk whose values are all finite takes a path of few passes, and
the statistics of all such chunks cost one synchronisation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch

from lathe_worker.verdicts import VerdictReached, rejected

# What compare_kernel.py reads (complex and 8-bit floats take the chunked path).
ONE_PASS_DTYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16)
# Elements per comparison chunk: 16 Mi elements keep a chunk's float64 temporaries near 1 GB.
CHUNK = 1 << 24


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float
    # Absolute error always allowed (the error-factor rule's summation-order allowance).
    slack: float = 0.0
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


def compare(
    expected: torch.Tensor,
    got: torch.Tensor,
    tol: Tolerance,
    nonfinite_ref: torch.Tensor | None = None,
) -> dict[str, Any]:
    """Error statistics, with `reason` set when the output does not match.

    `nonfinite_ref` is the tensor whose NaN and infinities `got` must reproduce (the reference
    in the problem's precision); it defaults to `expected`, whose shape and dtype `got` must
    have unless `nonfinite_ref` is given (then `got` must have its dtype)."""
    like = expected if nonfinite_ref is None else nonfinite_ref
    if got.shape != like.shape:
        return {"reason": "shape", "expected": list(like.shape), "got": list(got.shape)}
    if got.dtype != like.dtype:
        return {"reason": "dtype", "expected": str(like.dtype), "got": str(got.dtype)}
    if like.numel() == 0:
        return {"max_abs": 0.0, "max_rel": 0.0}
    if not (like.dtype.is_floating_point or like.dtype.is_complex):
        return _compare_exact(expected, got)
    comparison = _Comparison(expected, got, tol, like)
    fused = _one_pass(comparison.expected, comparison.got, comparison.like, tol)
    return comparison.run() if fused is None else comparison.summary_of(fused)


def _one_pass(
    expected: torch.Tensor, got: torch.Tensor, like: torch.Tensor, tol: Tolerance
) -> dict[str, Any] | None:
    """compare_kernel.py's statistics where it applies: real floating tensors on one GPU, every
    value finite. None otherwise (the chunked path then decides)."""
    tensors = (expected, got, like)
    # A flattened view can still be strided (x[::2], an expanded tensor): the kernel reads
    # dense memory.
    if not all(t.is_cuda and t.is_contiguous() and t.dtype in ONE_PASS_DTYPES for t in tensors):
        return None
    if len({t.device for t in tensors}) != 1:
        return None
    from lathe_worker import compare_kernel

    return compare_kernel.statistics(expected, got, like, tol)


def _compare_exact(expected: torch.Tensor, got: torch.Tensor) -> dict[str, Any]:
    bad = got.to(expected.device) != expected
    diff = (got.to(expected.device).double() - expected.double()).abs()
    count = int(bad.sum())
    worst = int(torch.argmax(diff.flatten())) if count else 0
    stats = {
        "max_abs": float(diff.max()),
        "max_rel": float((diff / expected.double().abs().clamp_min(1e-30)).max()),
        "mismatch_fraction": count / expected.numel(),
        "worst_index": _unravel(worst, expected.shape),
        "expected_at_worst": float(expected.flatten()[worst]),
        "got_at_worst": float(got.flatten()[worst]),
    }
    return {"reason": "values", **stats} if count else stats


class _Comparison:
    """One floating comparison, chunk by chunk."""

    def __init__(
        self, expected: torch.Tensor, got: torch.Tensor, tol: Tolerance, like: torch.Tensor
    ) -> None:
        self.tol = tol
        self.shape = like.shape
        self.like_is_expected = like is expected
        self.work = torch.float64 if expected.dtype == torch.float64 else torch.float32
        device = expected.device
        self.expected = expected.detach().reshape(-1)
        self.got = got.detach().reshape(-1).to(device)
        self.like = like.detach().reshape(-1).to(device)
        self.n = self.expected.numel()
        self.nonfinite_bad = 0
        self.first_nonfinite: int | None = None
        self.bad = 0
        self.max_abs = 0.0
        self.max_rel = 0.0
        self.worst = (-float("inf"), 0, 0.0, 0.0)  # (excess, index, expected, got)

    def run(self) -> dict[str, Any]:
        finite_chunks = []
        for start in range(0, self.n, CHUNK):
            end = min(start + CHUNK, self.n)
            summary = self._finite_chunk(start, end)
            if summary is None:
                self._chunk(start, end)
            else:
                finite_chunks.append((start, summary))
        # One synchronisation for every all-finite chunk (on a GPU each `float()` waits).
        for start, summary in finite_chunks:
            bad, max_abs, max_rel, excess, index, at_expected, at_got = summary.tolist()
            self.bad += int(bad)
            self.max_abs = max(self.max_abs, max_abs)
            self.max_rel = max(self.max_rel, max_rel)
            if excess > self.worst[0]:
                self.worst = (excess, start + int(index), at_expected, at_got)
        return self._summary()

    def summary_of(self, fused: dict[str, Any]) -> dict[str, Any]:
        """The result of the statistics the one-pass kernel computed (compare_kernel.py)."""
        self.bad, self.max_abs, self.max_rel = fused["bad"], fused["max_abs"], fused["max_rel"]
        at_expected, at_got = fused["expected_at_worst"], fused["got_at_worst"]
        self.worst = (0.0, fused["worst_flat"], at_expected, at_got)
        return self._summary()

    def _summary(self) -> dict[str, Any]:
        if self.nonfinite_bad:
            return {
                "reason": "nonfinite",
                "count": self.nonfinite_bad,
                "mismatch_fraction": self.nonfinite_bad / self.n,
                "worst_index": _unravel(self.first_nonfinite or 0, self.shape),
            }
        _, index, at_expected, at_got = self.worst
        stats = {
            "max_abs": self.max_abs,
            "max_rel": self.max_rel,
            "mismatch_fraction": self.bad / self.n,
            "worst_index": _unravel(index, self.shape),
            "expected_at_worst": at_expected,
            "got_at_worst": at_got,
        }
        return {"reason": "values", **stats} if self.bad else stats

    def _finite_chunk(self, start: int, end: int) -> torch.Tensor | None:
        """The common case in a few passes: every value finite in the candidate's output, the
        expected one and the problem-precision one. The chunk's statistics as one float64
        tensor (mismatches, max_abs, max_rel, worst excess, its index, expected and got
        there), left on the device; None when a value is not finite (then `_chunk` sorts the
        non-finite values out)."""
        e = self.expected[start:end].to(self.work)
        g = self.got[start:end]
        diff = g.to(self.work) - e
        # A difference is finite only where both values are (or it overflowed: `_chunk` then
        # decides, exactly).
        finite = torch.isfinite(diff).all()
        if not self.like_is_expected:
            finite &= torch.isfinite(self.like[start:end]).all()
        if not bool(finite):
            return None
        diff = diff.abs()
        magnitude = e.abs()
        allowed = (magnitude * self.tol.rtol).add_(self.tol.atol).clamp_min_(self.tol.slack)
        excess = allowed.neg_().add_(diff)
        worst = torch.argmax(excess)
        rel = diff / magnitude.add_(max(self.tol.atol, 1e-30))
        return torch.stack(
            [
                (excess > 0).sum().to(torch.float64),
                diff.max().to(torch.float64),
                rel.max().to(torch.float64),
                excess[worst].to(torch.float64),
                worst.to(torch.float64),
                e[worst].to(torch.float64),
                g[worst].to(torch.float64),
            ]
        )

    def _chunk(self, start: int, end: int) -> None:
        e = self.expected[start:end].to(self.work)
        g = self.got[start:end].to(self.work)
        like = self.like[start:end]
        like_finite = torch.isfinite(like)
        # Non-finite values must be the reference's own, position by position.
        same = (torch.isnan(like) & torch.isnan(g)) | (torch.isinf(like) & (like.to(g.dtype) == g))
        nonfinite_bad = (~torch.isfinite(g) & like_finite) | (~like_finite & ~same)
        count = int(nonfinite_bad.sum())
        if count:
            if self.first_nonfinite is None:
                self.first_nonfinite = start + int(nonfinite_bad.nonzero()[0])
            self.nonfinite_bad += count
            return
        # Where the expected value is not finite but the problem-precision one is (a float64
        # reference that overflowed differently), the problem-precision value is expected.
        e = torch.where(torch.isfinite(e) | ~like_finite, e, like.to(self.work))
        comparable = like_finite & torch.isfinite(e)
        diff = torch.where(comparable, (g - e).abs(), torch.zeros_like(e))
        allowed = (self.tol.atol + self.tol.rtol * e.abs()).clamp_min(self.tol.slack)
        # Positions that are not comparable (non-finite, rightly) can be neither the worst
        # nor a mismatch: NaN there would poison every maximum.
        excess = torch.where(comparable, diff - allowed, -float("inf"))
        self.bad += int((excess > 0).sum())
        if diff.numel():
            self.max_abs = max(self.max_abs, float(diff.max()))
            rel = torch.where(comparable, diff / (e.abs() + max(self.tol.atol, 1e-30)), 0.0)
            self.max_rel = max(self.max_rel, float(rel.max()))
            local = int(torch.argmax(excess))
            value = float(excess[local])
            if value > self.worst[0]:
                self.worst = (value, start + local, float(e[local]), float(g[local]))


def reference_error(r32: torch.Tensor, r64: torch.Tensor) -> float:
    """The largest error of PyTorch's own problem-precision result against the float64 one,
    over the elements finite in both: the scale of a legitimate summation-order difference."""
    a, b = r32.detach().reshape(-1), r64.detach().reshape(-1)
    fused = _one_pass(b, a, a, Tolerance(0.0, 0.0))
    if fused is not None:
        return fused["max_abs"]
    worst = []
    for start in range(0, a.numel(), CHUNK):
        diff = (a[start : start + CHUNK].double() - b[start : start + CHUNK].double()).abs_()
        # NaN where either value is not finite (inf - inf), inf where one is: neither counts.
        diff = torch.where(torch.isfinite(diff), diff, 0.0) if diff.numel() else diff.new_zeros(1)
        worst.append(diff.max())
    return float(torch.stack(worst).max()) if worst else 0.0


def _unravel(flat: int, shape: torch.Size) -> list[int]:
    index = []
    for size in reversed(shape):
        index.append(flat % size if size else 0)
        flat //= max(size, 1)
    return list(reversed(index))


def tolerance_for(
    ref: torch.Tensor,
    inputs: list[Any],
    base: Tolerance,
    output_index: int,
    constant: float | None = None,
) -> Tolerance:
    """The tolerance to judge this output with: the base one, unless a trivial output passes it.

    `constant` is the trivial constant to try: the same output's mean on another seed's inputs,
    what a kernel that never read these inputs could have learned (an analytical answer). Its
    own mean would match any output whose elements are all equal, a scalar loss first, however
    much it depends on the inputs. Without it (None) the output's own mean stands in.

    Raises VerdictReached(rejected trivial-output-passes) when even a magnitude-aware tolerance
    cannot tell a trivial output from the reference.
    """
    if not ref.dtype.is_floating_point or ref.numel() == 0:
        return base
    count, total, squares = _finite_moments(ref)
    if constant is None:
        constant = total / count if count else 0.0
    if _trivial_that_passes(ref, inputs, base, constant) is None:
        return base
    rms = (squares / count) ** 0.5 if count else 0.0
    tight = replace(base, atol=min(base.atol, base.rtol * rms), magnitude_aware=True)
    passing = _trivial_that_passes(ref, inputs, tight, constant) if tight.atol > 0 else "zeros"
    if passing is not None:
        raise VerdictReached(
            rejected(
                "trivial-output-passes",
                f"{passing} matches reference output {output_index} even under a "
                f"magnitude-aware tolerance (atol={tight.atol:.3g}, rtol={tight.rtol:g}"
                + (f", summation-order slack {tight.slack:.3g}" if tight.slack else "")
                + "): at these inputs the output carries no information, so no kernel can be "
                "shown correct",
            )
        )
    return tight


def finite_mean(ref: torch.Tensor) -> float:
    """The mean of the finite values (0.0 where there are none), without a full-size
    temporary."""
    count, total, _ = _finite_moments(ref)
    return total / count if count else 0.0


def _finite_moments(ref: torch.Tensor) -> tuple[int, float, float]:
    """(count, sum, sum of squares) of the finite values, in float64, a chunk at a time: a
    multi-gigabyte output costs no full-size temporary (the judge shares its GPU with the
    runner, and every byte it caches is one the candidate cannot have)."""
    flat = ref.detach().reshape(-1)
    # Summed on the device and read once: no boolean indexing, which waits for the GPU to
    # learn its size, and no `float()` per chunk.
    sums = torch.zeros(3, dtype=torch.float64, device=flat.device)
    for start in range(0, flat.numel(), CHUNK):
        chunk = flat[start : start + CHUNK]
        finite = torch.isfinite(chunk)
        values = torch.where(finite, chunk.double(), 0.0)
        sums += torch.stack((finite.sum(dtype=torch.float64), values.sum(), values.pow(2).sum()))
    count, total, squares = sums.tolist()
    return int(count), total, squares


def _trivial_that_passes(
    ref: torch.Tensor, inputs: list[Any], tol: Tolerance, constant: float
) -> str | None:
    """The first trivial output (zeros, `constant` everywhere, an input passed through) that
    `tol` lets pass as `ref`, or None."""
    # Made one at a time and dropped after its comparison: each is as large as the output.
    candidates = [
        ("zeros", lambda: torch.zeros_like(ref)),
        (f"the constant {constant:.6g}", lambda: torch.full_like(ref, constant)),
    ]
    for i, x in enumerate(inputs):
        if isinstance(x, torch.Tensor) and x.shape == ref.shape and x.dtype == ref.dtype:
            candidates.append((f"input {i} passed through", lambda x=x: x.detach().to(ref.device)))
    for name, make in candidates:
        if "reason" not in compare(ref, make(), tol):
            return name
    return None
