"""The one-pass comparison kernel (compare_kernel.py) against compare.py's chunked PyTorch
path, run here by Triton's interpreter on the CPU: the same mismatches, errors and worst element,
and no decision at all where a value is not finite."""

import pytest
import torch

from lathe_worker import compare_kernel
from lathe_worker.compare import Tolerance, _Comparison

TOL = Tolerance(1e-4, 1e-4)
# The interpreter computes inf - inf through NumPy, which warns.
pytestmark = pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")


def chunked(expected, got, like, tol):
    return _Comparison(expected, got, tol, like).run()


def fused(expected, got, like, tol):
    stats = compare_kernel.statistics(expected, got, like, tol)
    return None if stats is None else _Comparison(expected, got, tol, like).summary_of(stats)


def agree(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], float):
            assert a[key] == pytest.approx(b[key], rel=1e-6, abs=1e-12), key
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize("n", [1, 7, compare_kernel.BLOCK, 3 * compare_kernel.BLOCK + 5])
def test_the_kernel_agrees_with_the_chunked_path(n):
    gen = torch.Generator().manual_seed(n)
    r64 = torch.randn(n, generator=gen, dtype=torch.float64)
    r32 = r64.float()
    got = r32.clone()
    # A few wrong elements in different blocks, the worst in the last one.
    for i, delta in ((0, 3e-4), (n // 2, 1e-3), (n - 1, 5e-3)):
        got[i] += delta
    for tol in (TOL, Tolerance(1e-4, 1e-4, slack=2e-3)):
        agree(fused(r64, got, r32, tol), chunked(r64, got, r32, tol))
    stats = fused(r64, got, r32, TOL)
    assert stats["reason"] == "values" and stats["worst_index"] == [n - 1]


def test_a_matching_output_has_no_reason_and_half_precision_is_read():
    r = torch.rand(5000, dtype=torch.float16)
    stats = fused(r, r.clone(), r, Tolerance(1e-2, 1e-2))
    assert "reason" not in stats and stats["max_abs"] == 0.0


@pytest.mark.parametrize("where", ["got", "expected", "like"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_value_that_is_not_finite_is_left_to_the_exact_rules(where, value):
    r = torch.rand(3000)
    tensors = {"expected": r.double(), "got": r.clone(), "like": r.clone()}
    tensors[where][2500] = value
    expected, got, like = tensors["expected"], tensors["got"], tensors["like"]
    assert compare_kernel.statistics(expected, got, like, TOL) is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (the device validation)")
def test_on_a_gpu_the_kernel_agrees_with_the_chunked_path_on_the_cpu():
    """The compiled kernel, on 20 million elements over many blocks, against the chunked
    PyTorch path on the CPU copies."""
    gen = torch.Generator().manual_seed(7)
    r64 = torch.randn(20_000_003, generator=gen, dtype=torch.float64)
    r32 = r64.float()
    got = r32 + torch.randn(r32.shape, generator=gen) * 3e-5
    got[12_345_678] += 1e-2
    for tol in (TOL, Tolerance(1e-4, 1e-4, slack=5e-4)):
        on_gpu = fused(r64.cuda(), got.cuda(), r32.cuda(), tol)
        agree(on_gpu, chunked(r64, got, r32, tol))
        assert on_gpu["worst_index"] == [12_345_678]
    nan = got.clone()
    nan[19_999_999] = float("nan")
    assert compare_kernel.statistics(r64.cuda(), nan.cuda(), r32.cuda(), TOL) is None
