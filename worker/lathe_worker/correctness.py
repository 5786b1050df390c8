"""The judge's verdict on one call's outputs: which tolerance each output gets, and the figures
a verdict reports (docs/design/judge.md, "Correctness").

Under the default rule (`error-factor`) each floating output is compared with the float64
reference, allowing `error_factor` times the largest error PyTorch's own problem-precision
computation makes on that output and those inputs (its summation-order error), or KernelBench's
atol/rtol, whichever is larger element by element. KernelBench's own figure (atol/rtol against
the problem-precision reference) is reported beside it. Under `kernelbench` that figure is the
rule.

Timed calls have no float64 reference (it would double the cost of every timed call); they
are compared with the eager output of the same inputs, allowing `error_factor + 1` times twice
the largest PyTorch error seen in the checks: by the triangle inequality that admits every
output the checks admit, give or take a draw whose PyTorch error is twice the checks' worst.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import torch

from lathe_worker.compare import Tolerance, compare, reference_error, tolerance_for
from lathe_worker.protocol import Correctness
from lathe_worker.verdicts import VerdictReached

# What timed calls may add to the checks' largest PyTorch error (see the module's text).
TIMED_ERROR_MARGIN = 2.0


@dataclass
class Expected:
    """The reference's answer for one seed: its inputs, and its outputs in the problem's
    precision (`r32`) and in float64 (`r64`, None where the model cannot run in float64)."""

    seed: int
    inputs: list[Any]
    r32: list[torch.Tensor]
    r64: list[torch.Tensor] | None
    # PyTorch's own error on each output (r32 against r64), measured once per seed.
    torch_errors: dict[int, float] = field(default_factory=dict)


def trivial_output_passes(expected: Expected, judge: OutputJudge) -> bool:
    """Whether, on these inputs, some floating output is matched by a trivial one (zeros, a
    constant, an input passed through) even under a magnitude-aware tolerance: the inputs then
    cannot show any kernel correct."""
    for i, r32 in enumerate(expected.r32):
        if not isinstance(r32, torch.Tensor):
            continue
        try:
            kb = judge.kernelbench(r32.dtype)
            tolerance_for(r32, expected.inputs, kb, i, judge.constants.get(i))
        except VerdictReached:
            return True
    return False


class OutputJudge:
    def __init__(self, config: Correctness, notes: list[str]) -> None:
        self.config = config
        self.notes = notes
        self.bases: dict[int, Tolerance] = {}
        # Each output's mean on another seed's inputs: the constant a kernel that never read
        # the inputs could return (`tolerance_for`). Set by the evaluation; empty, each output's
        # own mean stands in.
        self.constants: dict[int, float] = {}
        # The largest PyTorch error seen on each output over the checks (error-factor rule).
        self.torch_error: dict[int, float] = {}

    def kernelbench(self, dtype: torch.dtype) -> Tolerance:
        pair = self.config.tolerances.get(str(dtype).removeprefix("torch."), (0.0, 0.0))
        return Tolerance(*pair)

    def base(self, index: int, r32: torch.Tensor, inputs: list[Any]) -> Tolerance:
        """KernelBench's tolerance for the output, made magnitude-aware when a trivial output
        would pass it (decided once, on the first call that sees the output)."""
        if index not in self.bases:
            kb = self.kernelbench(r32.dtype)
            constant = self.constants.get(index)
            self.bases[index] = tolerance_for(r32, inputs, kb, index, constant)
            if self.bases[index].magnitude_aware:
                self.notes.append(
                    f"output {index}: zeros or a constant would pass atol={kb.atol:g}, so it is "
                    f"judged with a magnitude-aware atol={self.bases[index].atol:.3g}"
                )
        return self.bases[index]

    def prepare(self, expected: Expected) -> bool:
        """Decides each output's tolerance before any candidate runs, and says whether every
        one is decided. Deciding builds trivial outputs of the output's size, one at a time:
        done here, they never meet a candidate's memory at its peak, and the inputs are not
        needed again. An output whose inputs can show nothing stays undecided: the first
        judged call refuses it (trivial-output-passes), as it always has."""
        decided = True
        for i, r32 in enumerate(expected.r32):
            try:
                self.base(i, r32, expected.inputs)
            except VerdictReached:
                decided = False
        return decided

    def judge(self, expected: Expected, got: list[torch.Tensor]) -> dict[str, Any]:
        """Per-output statistics of one checked call; `reason` set on the first mismatch."""
        if len(got) != len(expected.r32):
            return {"reason": "count", "expected": len(expected.r32), "got": len(got)}
        outputs = []
        for i, (r32, g) in enumerate(zip(expected.r32, got, strict=True)):
            base = self.base(i, r32, expected.inputs)
            stats = self._one(i, expected, g, base)
            outputs.append({"output": i, **stats})
            if "reason" in stats:
                return {"reason": stats["reason"], "outputs": outputs}
        return {"outputs": outputs}

    def _one(
        self,
        index: int,
        expected: Expected,
        got: torch.Tensor,
        base: Tolerance,
    ) -> dict[str, Any]:
        r32 = expected.r32[index]
        r64 = expected.r64[index] if expected.r64 is not None else None
        factor_rule = (
            self.config.rule == "error-factor"
            and r64 is not None
            and r32.is_floating_point()
            and r64.is_floating_point()
            and r64.shape == r32.shape
        )
        if not factor_rule:
            return compare(r32, got, base)
        assert r64 is not None
        if index not in expected.torch_errors:
            expected.torch_errors[index] = reference_error(r32, r64)
        error = expected.torch_errors[index]
        self.torch_error[index] = max(self.torch_error.get(index, 0.0), error)
        tol = replace(base, slack=self.config.error_factor * error)
        stats = compare(r64, got, tol, nonfinite_ref=r32)
        if "max_abs" in stats:
            stats["torch_error"] = error
            stats["error_ratio"] = stats["max_abs"] / error if error > 0 else None
            kb = compare(r32, got, self.kernelbench(r32.dtype))
            stats["kernelbench"] = {
                "pass": "reason" not in kb,
                "max_abs": kb.get("max_abs"),
                "max_rel": kb.get("max_rel"),
            }
        return stats

    def judge_timed(self, r32: list[torch.Tensor], got: list[torch.Tensor]) -> dict[str, Any]:
        """A timed call against the eager output of its inputs (see the module's text)."""
        if len(got) != len(r32):
            return {"reason": "count", "expected": len(r32), "got": len(got)}
        for i, (r, g) in enumerate(zip(r32, got, strict=True)):
            base = self.bases.get(i) or self.kernelbench(r.dtype)
            slack = 0.0
            if self.config.rule == "error-factor":
                worst = self.torch_error.get(i, 0.0) * TIMED_ERROR_MARGIN
                slack = (self.config.error_factor + 1) * worst
            stats = compare(r, g, replace(base, slack=slack))
            if "reason" in stats:
                return {"reason": stats["reason"], "outputs": [{"output": i, **stats}]}
        return {}
