"""Building the reference and the candidate, and the inputs they are called with.

Both models are built after the same ``torch.manual_seed`` (KernelBench's convention), so that a
candidate creating the same parameters in the same order starts with the same values. When
every parameter and buffer of the reference has a candidate counterpart of the same name and
shape, the reference's values are then copied over, so that a candidate that creates them in
another order is judged on its computation, not on its initialisation.

Tensors a constructor creates without naming a device are created on the device directly, as
`make_inputs` does for inputs: on a GPU machine, initialising a large layer on the CPU and
moving it would dominate a verdict's latency (an nn.Linear(8192, 8192) takes ~0.3 s). Their
values then come from the device's seeded generator. A constructor that fails there (a
CPU-only operation) is built again on the CPU and moved, the old way (`_build_placed`).

The judge builds the reference (`build_reference`); the runner builds the candidate
(`build_candidate`), with a throw-away copy of the reference, placed the same way, for the
parameter values. Both run the same code with the same seed on the same device, so they take
the same path and get the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from lathe_worker.verdicts import ProblemError, VerdictReached, runtime_error

CPU = torch.device("cpu")


def build_reference(problem: ModuleType, seed: int, device: torch.device) -> torch.nn.Module:
    """The problem's `Model`, built after `seed` on `device` (on the CPU and moved, where its
    constructor fails on `device`). A failure is the problem's, not a verdict."""
    init_inputs = _init_inputs(problem)
    reference, _ = _build_reference_placed(problem, init_inputs, seed, device)
    try:
        return reference.to(device)
    except Exception as e:
        raise _reference_failed(e) from e


def build_candidate(
    problem: ModuleType, candidate: ModuleType, seed: int, device: torch.device
) -> tuple[torch.nn.Module, str]:
    """(the candidate's `ModelNew` on `device`, how its parameters were matched).

    The reference is built here too, after the same seed and placed as the judge's is, only to
    copy its parameter values; it is never run. ModelNew is built where the reference was: on
    the CPU as well where the reference's constructor failed on `device`, so that a candidate
    creating the same parameters in the same order draws the same values. Where only ModelNew's
    constructor fails on `device`, it is built on the CPU, moved, and `how` says so. A failure
    on the CPU too is the candidate's verdict."""
    init_inputs = _init_inputs(problem)
    reference, built_on = _build_reference_placed(problem, init_inputs, seed, device)
    try:
        # BaseException: a candidate's SystemExit or KeyboardInterrupt is its own error.
        model, failure = _build_placed(
            candidate.ModelNew, init_inputs, seed, built_on, BaseException
        )
    except BaseException as e:
        raise VerdictReached(runtime_error(e, "construct")) from e
    if not isinstance(model, torch.nn.Module):
        raise VerdictReached(
            runtime_error(TypeError("ModelNew(...) is not a torch.nn.Module"), "construct")
        )
    how = _copy_matching_state(reference, model)
    del reference
    if failure is not None:
        how += f"; ModelNew built on the CPU: its constructor failed on {device.type}: {failure}"
    try:
        model = model.to(device)
    except BaseException as e:
        raise VerdictReached(runtime_error(e, "construct")) from e
    return model, how


def build_models(
    problem: ModuleType, candidate: ModuleType, seed: int, device: torch.device
) -> tuple[torch.nn.Module, torch.nn.Module, str]:
    """(reference, candidate, how parameters were matched), in one process: the profile
    target's way (it judges nothing)."""
    model, how = build_candidate(problem, candidate, seed, device)
    return build_reference(problem, seed, device), model, how


def _build_reference_placed(
    problem: ModuleType, init_inputs: list[Any], seed: int, device: torch.device
) -> tuple[torch.nn.Module, torch.device]:
    """(the problem's `Model`, not yet moved, the device it was built on: `device` or the
    CPU)."""
    try:
        reference, failure = _build_placed(problem.Model, init_inputs, seed, device, Exception)
    except Exception as e:
        raise _reference_failed(e) from e
    return reference, (device if failure is None else CPU)


def _build_placed(
    constructor: Callable[..., Any],
    init_inputs: list[Any],
    seed: int,
    device: torch.device,
    caught: type[BaseException],
) -> tuple[Any, str | None]:
    """(`constructor(*init_inputs)` built after `seed`, why it was not built on `device`, or
    None where it was).

    The tensors it creates without naming a device are created on `device`. Where the
    constructor raises `caught` there, it is built again on the CPU after the same seed, and
    the caller moves it. On the CPU itself nothing is retried (the device context is a no-op
    there): the failure is raised."""
    try:
        return _construct(constructor, init_inputs, seed, device), None
    except caught as e:
        if device.type == "cpu":
            raise
        failure = _brief(e)
    # Outside the handler: the failed attempt (its traceback, its tensors on the device) is let
    # go first, and a failure on the CPU is not chained to it.
    return _construct(constructor, init_inputs, seed, CPU), failure


def _construct(
    constructor: Callable[..., Any], init_inputs: list[Any], seed: int, device: torch.device
) -> Any:
    torch.manual_seed(seed)
    with torch.device(device):
        return constructor(*init_inputs)


def _reference_failed(error: BaseException) -> ProblemError:
    return ProblemError(f"the problem's Model(*get_init_inputs()) failed: {_brief(error)}")


def _init_inputs(problem: ModuleType) -> list[Any]:
    try:
        return list(problem.get_init_inputs())
    except Exception as e:
        raise ProblemError(f"the problem's get_init_inputs() failed: {_brief(e)}") from e


def _brief(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).strip()[:500]}"


def _copy_matching_state(reference: torch.nn.Module, model: torch.nn.Module) -> str:
    ref_state = dict(reference.named_parameters()) | dict(reference.named_buffers())
    own_state = dict(model.named_parameters()) | dict(model.named_buffers())
    if not ref_state:
        return "the reference has no parameters"
    matched = all(
        name in own_state and own_state[name].shape == value.shape
        for name, value in ref_state.items()
    )
    if not matched:
        return "names or shapes differ: both models were built after the same seed"
    with torch.no_grad():
        for name, value in ref_state.items():
            own_state[name].copy_(value)
    return "copied from the reference by name"


# How far widened inputs are scaled, by widening level (index 0: the problem's own inputs).
# Random signs alone make ReLU on `torch.rand` informative; HardTanh's [-1, 1] needs values past
# 1, and a linear layer followed by `- 2.0` and ReLU needs sums past 2 (KernelBench level 2 #9).
# At the last level (None) each tensor gets a factor of its own, drawn per seed from
# RANDOM_FACTORS: a reduction over a huge input (a loss over a billion elements) is the same
# number on any seed's inputs at a fixed scale, a constant an analytical kernel can learn, but
# not when the scale moves from call to call.
WIDEN_SCALES: tuple[float | None, ...] = (None, 1.0, 4.0, 16.0, 64.0, None)
MOST_WIDENED = len(WIDEN_SCALES) - 1
# The base-2 logarithms of the smallest and largest random factors: 0.25 to 64.
RANDOM_FACTORS = (-2.0, 6.0)
# Elements widened at a time (`_random_signs`): 256 MiB of float32.
WIDEN_PIECE = 1 << 26


def make_inputs(problem: ModuleType, seed: int, device: torch.device, widen: int = 0) -> list[Any]:
    """The problem's inputs for one call, generated after `seed`, on the device.

    `widen` (a level of WIDEN_SCALES, 0 for none) gives every floating input random signs
    (drawn after the inputs, from the same seeded generator, so the judge and the runner draw
    the same ones) and scales it by the level's factor (at the last level, a random one per
    tensor): for a problem whose own inputs make a trivial output pass (ReLU on `torch.rand`'s
    non-negative values is the identity), inputs on which the output carries information
    (judge.md, "Widened inputs").

    Tensors the problem creates without naming a device are created on `device` directly (a
    CPU generator filling gigabytes would dominate an evaluation's time); a problem that names
    one is moved there. The judge and the runner each call this with the same seed and get the
    same values. A failure is the problem's (ProblemError), with a hint where the cause is
    known."""
    torch.manual_seed(seed)
    try:
        with torch.device(device):
            inputs = problem.get_inputs()
        inputs = [x.detach().to(device) if isinstance(x, torch.Tensor) else x for x in inputs]
    except torch.OutOfMemoryError:
        # The GPU's memory, shared with what lathe holds: told as such by the caller (the
        # runner) or the worker's top level (the judge), with the ways out.
        raise
    except Exception as e:
        message = f"the problem's get_inputs() failed: {_brief(e)}"
        if device.type == "cpu" and _needs_cuda(e):
            message += (
                "; it puts tensors on a CUDA device itself (`.cuda()` or device='cuda'), which "
                "--device interpret (the CPU) cannot honour: create them without a device "
                "(lathe places them), or judge on a GPU"
            )
        raise ProblemError(message) from e
    if not widen:
        return inputs
    scale = WIDEN_SCALES[widen]
    return [_random_signs(x, scale) for x in inputs]


def _random_signs(x: Any, scale: float | None = 1.0) -> Any:
    """`x` with random signs, times `scale` (None: a random factor of RANDOM_FACTORS, drawn
    after the signs)."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        return x
    flip = torch.rand(x.shape, device=x.device) < 0.5
    if scale is None:
        low, high = RANDOM_FACTORS
        scale = 2.0 ** (low + (high - low) * float(torch.rand(())))
    if x.is_contiguous():
        # A piece at a time into one new tensor: `-x` and a scaled copy in full would each be
        # another tensor of the input's size, beside it, at the judge's and the runner's peak
        # (level 1's 6 GiB inputs).
        signed = torch.empty_like(x)
        pieces = zip(*(t.view(-1).split(WIDEN_PIECE) for t in (x, flip, signed)), strict=True)
        for xs, fs, out in pieces:
            torch.where(fs, -xs, xs, out=out)
    else:
        signed = torch.where(flip, -x, x)
    # `signed` is a new tensor either way: scaled in place.
    return signed if scale == 1.0 else signed.mul_(scale)


def _needs_cuda(error: BaseException) -> bool:
    text = str(error)
    markers = ("CUDA", "NVIDIA driver", "cuda", "Torch not compiled with CUDA")
    return any(m in text for m in markers)


def fresh_copies(inputs: list[Any]) -> list[Any]:
    """Copies at new addresses: every call gets its own inputs [integrity row 5]."""
    return [x.clone() if isinstance(x, torch.Tensor) else x for x in inputs]


# Elements compared at a time by `changed_input`: its temporaries stay small beside a level-1
# input of gigabytes, which the runner holds twice (the input and its pristine copy) already.
CHANGE_PIECE = 1 << 24


def changed_input(pristine: list[Any], used: list[Any]) -> int | None:
    """The index of the first input a call changed, if any (NaN equals NaN here)."""
    for i, (a, b) in enumerate(zip(pristine, used, strict=True)):
        if isinstance(a, torch.Tensor):
            same = a.shape == b.shape and a.dtype == b.dtype
            if same and a.numel():
                same = _same_values(a.reshape(-1), b.reshape(-1))
            if not same:
                return i
    return None


def _same_values(a: torch.Tensor, b: torch.Tensor) -> bool:
    for start in range(0, a.numel(), CHANGE_PIECE):
        x, y = a[start : start + CHANGE_PIECE], b[start : start + CHANGE_PIECE]
        equal = x == y
        if x.dtype.is_floating_point:
            equal |= torch.isnan(x) & torch.isnan(y)
        if not bool(equal.all()):
            return False
    return True
