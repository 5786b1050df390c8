"""The error-factor rule with numbers: an error of the size a different summation order makes
is accepted where KernelBench's fixed atol/rtol refuses it, and a real bug is refused by both.

A float32 matmul with K=2048 over unit-scale inputs: PyTorch's own float32 result is off the
float64 one by about 1e-4 at its worst element (`torch_error`), so the default factor of 8
allows about 7e-4 on that output."""

import pytest
import torch

from lathe_worker.correctness import Expected, OutputJudge
from lathe_worker.protocol import Correctness

K = 2048


@pytest.fixture(scope="module")
def matmul() -> Expected:
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(64, K, generator=g), torch.randn(K, 64, generator=g)
    return Expected(seed=0, inputs=[a, b], r32=[a @ b], r64=[a.double() @ b.double()])


def _judge(expected: Expected, got: torch.Tensor, rule: str = "error-factor") -> dict:
    return OutputJudge(Correctness(rule=rule), []).judge(expected, [got])


def _near_zero_shifted(expected: Expected, by: float) -> torch.Tensor:
    got = expected.r32[0].clone()
    flat = got.view(-1)
    flat[int(flat.abs().argmin())] += by
    return got


def test_pytorchs_own_error_sets_the_scale(matmul):
    stats = _judge(matmul, matmul.r32[0].clone())["outputs"][0]
    assert 2e-5 < stats["torch_error"] < 5e-4
    assert stats["kernelbench"]["pass"] is True


def test_a_summation_order_sized_error_near_zero_passes_where_kernelbench_refuses(matmul):
    # Three times PyTorch's worst float32 error, at the output closest to zero (where KernelBench's
    # rtol gives nothing): a different, equally valid order of the K-sum makes errors of this size.
    torch_error = _judge(matmul, matmul.r32[0])["outputs"][0]["torch_error"]
    got = _near_zero_shifted(matmul, 3 * torch_error)
    judged = _judge(matmul, got)
    assert "reason" not in judged
    stats = judged["outputs"][0]
    assert stats["kernelbench"]["pass"] is False
    assert 2.0 < stats["error_ratio"] < 4.5
    assert _judge(matmul, got, rule="kernelbench")["reason"] == "values"


def test_a_real_bug_fails_under_both_rules(matmul):
    a, b = matmul.inputs
    # The classic off-by-one: the last step of the K loop is dropped.
    dropped = a[:, : K - 1] @ b[: K - 1]
    for rule in ("error-factor", "kernelbench"):
        assert _judge(matmul, dropped, rule)["reason"] == "values"
    # One wrong element, 1e-2 off: far beyond any summation order.
    assert _judge(matmul, _near_zero_shifted(matmul, 1e-2))["reason"] == "values"


def test_the_factor_is_the_bound(matmul):
    torch_error = _judge(matmul, matmul.r32[0])["outputs"][0]["torch_error"]
    # Just past 8x the error, measured against float64: refused.
    r64 = matmul.r64[0]
    got = r64.float().clone()
    flat, flat64 = got.view(-1), r64.view(-1)
    i = int(flat64.abs().argmin())
    flat[i] = float(flat64[i]) + 9 * torch_error
    assert _judge(matmul, got)["reason"] == "values"
    flat[i] = float(flat64[i]) + 7 * torch_error
    assert "reason" not in _judge(matmul, got)


def test_without_a_float64_reference_kernelbenchs_rule_decides(matmul):
    no64 = Expected(matmul.seed, matmul.inputs, matmul.r32, None)
    assert _judge(no64, _near_zero_shifted(no64, 5e-4))["reason"] == "values"
    assert "reason" not in _judge(no64, matmul.r32[0].clone())
