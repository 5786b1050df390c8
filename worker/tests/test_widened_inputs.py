"""Widened inputs (judge.md, "Widened inputs"): random signs on the problem's floating inputs,
scaled up a level at a time, the same for the judge and the runner, used when the problem's
own inputs make a trivial output pass."""

from pathlib import Path

import torch

from lathe_worker import models
from lathe_worker.correctness import Expected, OutputJudge, trivial_output_passes
from lathe_worker.loading import load_problem
from lathe_worker.protocol import Correctness

PROBLEMS = Path(__file__).resolve().parent / "fixtures" / "problems"
CPU = torch.device("cpu")


def test_the_same_seed_draws_the_same_signs_in_every_process():
    problem = load_problem(PROBLEMS / "relu_nonnegative.py", {})
    plain = models.make_inputs(problem, 7, CPU)[0]
    one = models.make_inputs(problem, 7, CPU, widen=1)[0]
    two = models.make_inputs(problem, 7, CPU, widen=1)[0]
    assert torch.equal(one, two)
    assert torch.equal(one.abs(), plain.abs()), "only the signs change"
    negative = float((one < 0).float().mean())
    assert 0.3 < negative < 0.7, negative
    other = models.make_inputs(problem, 8, CPU, widen=1)[0]
    assert not torch.equal(other.abs(), one.abs())


def test_each_level_scales_the_same_signs_by_its_factor():
    problem = load_problem(PROBLEMS / "relu_nonnegative.py", {})
    signs = models.make_inputs(problem, 7, CPU, widen=1)[0]
    for level in range(2, models.MOST_WIDENED + 1):
        scaled = models.make_inputs(problem, 7, CPU, widen=level)[0]
        assert torch.equal(scaled, signs * models.WIDEN_SCALES[level]), level
    assert models.WIDEN_SCALES[models.MOST_WIDENED] >= 16.0


def test_non_floating_inputs_are_left_as_they_are():
    assert models._random_signs(3) == 3
    ints = torch.arange(5)
    assert models._random_signs(ints) is ints


def test_relu_on_rand_is_trivial_until_widened_and_x_plus_a_tiny_constant_stays_trivial():
    judge = OutputJudge(Correctness(), [])

    def trivial(name: str, widen: int) -> bool:
        problem = load_problem(PROBLEMS / name, {})
        inputs = models.make_inputs(problem, 42, CPU, widen=widen)
        model = problem.Model(*problem.get_init_inputs())
        with torch.no_grad():
            out = model(*inputs)
        return trivial_output_passes(Expected(42, inputs, [out], None), judge)

    assert trivial("relu_nonnegative.py", widen=0)
    assert not trivial("relu_nonnegative.py", widen=1)
    for level in range(models.MOST_WIDENED + 1):
        assert trivial("near_identity.py", widen=level), f"still a copy of its input at {level}"


def test_hardtanh_and_an_all_zero_relu_need_inputs_widened_in_magnitude():
    judge = OutputJudge(Correctness(), [])

    def trivial(name: str, widen: int) -> bool:
        problem = load_problem(PROBLEMS / name, {})
        inputs = models.make_inputs(problem, 42, CPU, widen=widen)
        torch.manual_seed(0)
        model = problem.Model(*problem.get_init_inputs())
        with torch.no_grad():
            out = model(*inputs)
        return trivial_output_passes(Expected(42, inputs, [out], None), judge)

    # HardTanh(-1, 1) is the identity on (-1, 1): signs alone are not enough, x4 is.
    assert trivial("hardtanh_rand.py", widen=1)
    assert not trivial("hardtanh_rand.py", widen=2)
    # relu(linear(x) - 2): all zeros until the linear's outputs spread past 2.
    assert trivial("linear_sub_relu_all_zero.py", widen=0)
    assert trivial("linear_sub_relu_all_zero.py", widen=1)
    assert not trivial("linear_sub_relu_all_zero.py", widen=models.MOST_WIDENED)
