"""Building the reference and the candidate, and the inputs they are called with.

Both models are built after the same ``torch.manual_seed`` (KernelBench's convention), so that a
candidate creating the same parameters in the same order starts with the same values. When
every parameter and buffer of the reference has a candidate counterpart of the same name and
shape, the reference's values are then copied over, so that a candidate that creates them in
another order is judged on its computation, not on its initialisation.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from lathe_worker.verdicts import VerdictReached, runtime_error


def build_models(
    problem: ModuleType, candidate: ModuleType, seed: int, device: torch.device
) -> tuple[torch.nn.Module, torch.nn.Module, str]:
    """(reference, candidate, how parameters were matched)."""
    init_inputs = list(problem.get_init_inputs())
    torch.manual_seed(seed)
    reference = problem.Model(*init_inputs)
    torch.manual_seed(seed)
    try:
        model = candidate.ModelNew(*init_inputs)
    except BaseException as e:
        raise VerdictReached(runtime_error(e, "construct")) from e
    if not isinstance(model, torch.nn.Module):
        raise VerdictReached(
            runtime_error(TypeError("ModelNew(...) is not a torch.nn.Module"), "construct")
        )
    how = _copy_matching_state(reference, model)
    try:
        model = model.to(device)
    except BaseException as e:
        raise VerdictReached(runtime_error(e, "construct")) from e
    return reference.to(device), model, how


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


def make_inputs(problem: ModuleType, seed: int, device: torch.device) -> list[Any]:
    """The problem's inputs for one trial, generated after the trial's seed, on the device.

    Tensors the problem creates without naming a device are created on `device` directly (a
    CPU generator filling gigabytes would dominate an evaluation's time); a problem that names
    one is moved there. This copy stays untouched: calls get copies of it (`fresh_copies`)."""
    torch.manual_seed(seed)
    with torch.device(device):
        inputs = problem.get_inputs()
    return [x.detach().to(device) if isinstance(x, torch.Tensor) else x for x in inputs]


def fresh_copies(inputs: list[Any]) -> list[Any]:
    """Copies at new addresses: every call gets its own inputs [integrity row 5]."""
    return [x.clone() if isinstance(x, torch.Tensor) else x for x in inputs]


def changed_input(pristine: list[Any], used: list[Any]) -> int | None:
    """The index of the first input a call changed, if any (NaN equals NaN here)."""
    for i, (a, b) in enumerate(zip(pristine, used, strict=True)):
        if isinstance(a, torch.Tensor):
            same = a.shape == b.shape and a.dtype == b.dtype
            if same and a.numel():
                equal = a == b
                if a.dtype.is_floating_point:
                    equal |= torch.isnan(a) & torch.isnan(b)
                same = bool(equal.all())
            if not same:
                return i
    return None


def poison_free_memory(nbytes: int, device: torch.device) -> None:
    """Leaves freed memory of the allocator full of 0xFF (NaN as float32), so that an output
    the candidate allocates but never writes reads as NaN, not as a stale correct answer."""
    if nbytes <= 0:
        return
    block = torch.empty(nbytes, dtype=torch.uint8, device=device)
    block.fill_(0xFF)
    del block


def scrub(outputs: list[torch.Tensor]) -> None:
    """Overwrites tensors before they are freed (the reference's outputs, chiefly), so that their
    bytes cannot be handed to a later candidate call by the allocator [integrity row 7]."""
    for t in outputs:
        if t.dtype.is_floating_point:
            t.fill_(float("nan"))
        elif t.dtype == torch.bool:
            t.fill_(True)
        else:
            t.fill_(-1 if t.dtype.is_signed else 0xFF)
