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
    for level in range(2, models.MOST_WIDENED):
        scaled = models.make_inputs(problem, 7, CPU, widen=level)[0]
        assert torch.equal(scaled, signs * models.WIDEN_SCALES[level]), level
    assert models.WIDEN_SCALES[models.MOST_WIDENED - 1] >= 16.0


def test_the_last_level_scales_each_seed_by_a_factor_of_its_own():
    problem = load_problem(PROBLEMS / "relu_nonnegative.py", {})
    last = models.MOST_WIDENED
    low, high = (2.0**e for e in models.RANDOM_FACTORS)
    factors = []
    for seed in (7, 8, 9):
        signs = models.make_inputs(problem, seed, CPU, widen=1)[0]
        scaled = models.make_inputs(problem, seed, CPU, widen=last)[0]
        again = models.make_inputs(problem, seed, CPU, widen=last)[0]
        assert torch.equal(scaled, again), "the judge and the runner draw the same factor"
        factor = float(scaled[0, 0] / signs[0, 0])
        assert torch.allclose(scaled, signs * factor)
        assert low <= factor <= high
        factors.append(factor)
    assert len({round(f, 6) for f in factors}) == 3, factors


def test_widening_a_piece_at_a_time_gives_the_values_of_the_whole_at_once(monkeypatch):
    # Pieces that do not divide the tensor, and a transposed (non-contiguous) input, which is
    # widened whole.
    monkeypatch.setattr(models, "WIDEN_PIECE", 7)
    for x in (torch.randn(6, 5), torch.randn(5, 6).t()):
        for scale in (1.0, 16.0, None):
            torch.manual_seed(3)
            got = models._random_signs(x, scale)
            torch.manual_seed(3)
            flip = torch.rand(x.shape) < 0.5
            factor = scale
            if factor is None:
                low, high = models.RANDOM_FACTORS
                factor = 2.0 ** (low + (high - low) * float(torch.rand(())))
            assert torch.equal(got, torch.where(flip, -x, x) * factor), (x.stride(), scale)
            assert got.data_ptr() != x.data_ptr(), "the problem's own tensor is left as it is"


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
    assert not trivial("linear_sub_relu_all_zero.py", widen=models.MOST_WIDENED - 1)


def test_a_scalar_loss_that_moves_with_its_inputs_is_not_trivial():
    """KernelBench's level-1 losses return one number. A constant equal to the output's own
    mean matches any scalar; the constant tried is the same output's mean on another seed's
    inputs, which a per-call scale on the inputs moves."""
    problem = load_problem(PROBLEMS / "mse_scaled.py", {})
    model = problem.Model()

    def loss(seed: int) -> Expected:
        inputs = models.make_inputs(problem, seed, CPU)
        with torch.no_grad():
            return Expected(seed, inputs, [model(*inputs)], None)

    own_mean = OutputJudge(Correctness(), [])
    assert trivial_output_passes(loss(42), own_mean), "its own mean is the scalar itself"
    other_seed = OutputJudge(Correctness(), [])
    other_seed.constants = {0: float(loss(42 + 7919).r32[0])}
    assert not trivial_output_passes(loss(42), other_seed)


def test_an_output_that_is_the_same_on_any_inputs_stays_trivial():
    """An analytical answer: the other seed's mean matches it, so it is still refused."""
    inputs = [torch.rand(8, 512)]
    out = torch.full((8,), 0.25) + 0 * inputs[0].sum()
    judge = OutputJudge(Correctness(), [])
    judge.constants = {0: 0.25}
    assert trivial_output_passes(Expected(42, inputs, [out], None), judge)


def test_a_reduction_the_same_on_any_seed_is_informative_once_the_scale_moves():
    """The largest magnitude of 262144 `torch.rand` values is 1 to within 1e-4 on any seed,
    at any fixed scale: a constant learned on another seed matches it. A factor drawn per seed
    moves it."""
    problem = load_problem(PROBLEMS / "relu_nonnegative.py", {"batch_size": 512, "dim": 512})

    def expected(seed: int, widen: int) -> Expected:
        inputs = models.make_inputs(problem, seed, CPU, widen=widen)
        return Expected(seed, inputs, [inputs[0].abs().max()], None)

    for widen in range(models.MOST_WIDENED + 1):
        judge = OutputJudge(Correctness(), [])
        judge.constants = {0: float(expected(43, widen).r32[0])}
        trivial = trivial_output_passes(expected(42, widen), judge)
        assert trivial == (widen < models.MOST_WIDENED), widen
