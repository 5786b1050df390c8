"""The comparison semantics: KernelBench tolerances, exact shapes and dtypes, NaN only where the
reference has it, and the guard against checks that zeros would pass."""

import pytest
import torch

from lathe_worker.compare import Tolerance, as_tensor_list, compare, tolerance_for
from lathe_worker.verdicts import VerdictReached

TOL = Tolerance(1e-4, 1e-4)


def test_within_tolerance_matches_and_reports_errors():
    ref = torch.tensor([1.0, 2.0, 3.0])
    stats = compare(ref, ref + 5e-5, TOL)
    assert "reason" not in stats
    assert stats["max_abs"] == pytest.approx(5e-5, rel=1e-2)  # float32 rounding of 2 + 5e-5


def test_the_worst_element_is_located():
    ref = torch.zeros(3, 4)
    got = ref.clone()
    got[2, 1] = 0.5
    stats = compare(ref, got, TOL)
    assert stats["reason"] == "values"
    assert stats["worst_index"] == [2, 1]
    assert stats["mismatch_fraction"] == pytest.approx(1 / 12)
    assert stats["got_at_worst"] == 0.5


def test_shape_and_dtype_must_be_exact():
    ref = torch.zeros(2, 3)
    assert compare(ref, torch.zeros(3, 2), TOL)["reason"] == "shape"
    assert compare(ref, torch.zeros(2, 3, dtype=torch.float64), TOL)["reason"] == "dtype"


def test_nan_is_never_a_wildcard():
    ref = torch.tensor([1.0, float("nan"), float("inf")])
    assert "reason" not in compare(ref, ref.clone(), TOL)
    got = torch.tensor([float("nan"), float("nan"), float("inf")])
    assert compare(ref, got, TOL)["reason"] == "nonfinite"
    got = torch.tensor([1.0, 0.0, float("inf")])
    assert compare(ref, got, TOL)["reason"] == "nonfinite"
    got = torch.tensor([1.0, float("nan"), -float("inf")])
    assert compare(ref, got, TOL)["reason"] == "nonfinite"


def test_a_check_zeros_would_pass_is_made_magnitude_aware():
    ref = torch.rand(1000) * 1e-6
    tol = tolerance_for(ref, [], TOL, 0)
    assert tol.magnitude_aware and tol.atol < 1e-9
    assert compare(ref, torch.zeros_like(ref), tol)["reason"] == "values"
    assert "reason" not in compare(ref, ref * (1 + 1e-6), tol)


def test_an_output_that_carries_no_information_is_rejected():
    x = torch.rand(100)
    with pytest.raises(VerdictReached) as reached:
        tolerance_for(x + 1e-7, [x], TOL, 0)
    assert reached.value.verdict["rule"] == "trivial-output-passes"
    assert "input 0 passed through" in reached.value.verdict["evidence"]


def test_an_ordinary_output_keeps_the_base_tolerance():
    ref = torch.randn(100)
    assert tolerance_for(ref, [torch.randn(100)], TOL, 0) == TOL


def test_tensor_subclasses_are_refused():
    class Lazy(torch.Tensor):
        pass

    lazy = torch.zeros(3).as_subclass(Lazy)
    with pytest.raises(VerdictReached) as reached:
        as_tensor_list(lazy, "the candidate's")
    assert reached.value.verdict["rule"] == "lazy-output"
    assert as_tensor_list((torch.zeros(1), torch.ones(2)), "x")[1].shape == (2,)


def test_chunks_agree_whichever_path_they_take(monkeypatch):
    """All-finite chunks take a fast path and others the exact one; the statistics are the
    same as one chunk's, and the worst element is found across chunks."""
    from lathe_worker import compare as compare_module

    ref = torch.arange(12.0)
    ref[5] = float("nan")
    got = ref.clone()
    got[9] += 0.5
    got[2] += 0.25
    whole = compare(ref, got, TOL)
    monkeypatch.setattr(compare_module, "CHUNK", 4)
    chunked = compare(ref, got, TOL)
    assert chunked == whole
    assert chunked["reason"] == "values"
    assert chunked["worst_index"] == [9]
    assert chunked["mismatch_fraction"] == pytest.approx(2 / 12)
    assert chunked["got_at_worst"] == 9.5
    ref[5] = got[5] = 5.0  # every chunk finite: the fast path alone
    assert compare(ref, got, TOL) == chunked
