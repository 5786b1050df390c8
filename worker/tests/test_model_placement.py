"""Where the reference and ModelNew are constructed (models.py, `_build_placed`): on the device
directly, not on the CPU and then moved; again on the CPU where a constructor fails on the
device; ModelNew where the reference was. The meta device stands in for a GPU: like CUDA, it is
not the CPU, and a tensor on it cannot become a NumPy array."""

from types import ModuleType

import pytest
import torch

from lathe_worker import models
from lathe_worker.verdicts import ProblemError, VerdictReached

META = torch.device("meta")
CPU = torch.device("cpu")
WIDTH = 4


def _layer(
    log: list[tuple[str, torch.device]],
    label: str,
    fails_on_device: bool = False,
    attribute: str = "linear",
) -> type[torch.nn.Module]:
    """A model class whose constructor logs (label, the device an undirected tensor gets)."""

    class Layer(torch.nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            log.append((label, torch.empty(1).device))
            if fails_on_device:
                torch.ones(1).numpy()  # CPU-only, as on a CUDA tensor
            setattr(self, attribute, torch.nn.Linear(width, width))
            self.register_buffer("offset", torch.randn(width))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return getattr(self, attribute)(x) + self.offset

    return Layer


def _failing(log: list[tuple[str, torch.device]], label: str, error: type[BaseException]) -> type:
    """A model class whose constructor fails everywhere, naming the device it failed on."""

    class Failing(torch.nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            device = torch.empty(1).device
            log.append((label, device))
            raise error(f"fails on {device.type}")

    return Failing


def _problem(model: type) -> ModuleType:
    problem = ModuleType("placement_problem")
    problem.Model = model
    problem.get_init_inputs = lambda: [WIDTH]
    problem.get_inputs = lambda: [torch.rand(2, WIDTH)]
    return problem


def _candidate(model_new: type) -> ModuleType:
    candidate = ModuleType("placement_candidate")
    candidate.ModelNew = model_new
    return candidate


def test_both_models_are_constructed_on_the_device_not_moved_there():
    log: list[tuple[str, torch.device]] = []
    problem = _problem(_layer(log, "Model"))
    candidate = _candidate(_layer(log, "ModelNew"))

    reference = models.build_reference(problem, 0, META)
    assert log == [("Model", META)]
    assert reference.linear.weight.device == META

    log.clear()
    model, how = models.build_candidate(problem, candidate, 0, META)
    assert log == [("Model", META), ("ModelNew", META)]
    assert model.linear.weight.device == META
    assert how == "copied from the reference by name"


def test_a_reference_failing_on_the_device_is_built_on_the_cpu_and_so_is_model_new():
    log: list[tuple[str, torch.device]] = []
    problem = _problem(_layer(log, "Model", fails_on_device=True))
    candidate = _candidate(_layer(log, "ModelNew"))

    reference = models.build_reference(problem, 0, META)
    assert log == [("Model", META), ("Model", CPU)]
    assert reference.linear.weight.device == META, "moved to the device after the CPU build"

    log.clear()
    model, how = models.build_candidate(problem, candidate, 0, META)
    assert log == [("Model", META), ("Model", CPU), ("ModelNew", CPU)]
    assert model.linear.weight.device == META
    assert how == "copied from the reference by name", "following the reference is no news"


def test_a_model_new_failing_only_on_the_device_is_built_on_the_cpu_and_how_says_so():
    log: list[tuple[str, torch.device]] = []
    # Other names: nothing to copy out of the meta reference (meta tensors hold no values).
    problem = _problem(_layer(log, "Model"))
    candidate = _candidate(_layer(log, "ModelNew", fails_on_device=True, attribute="proj"))

    model, how = models.build_candidate(problem, candidate, 0, META)
    assert log == [("Model", META), ("ModelNew", META), ("ModelNew", CPU)]
    assert model.proj.weight.device == META
    assert how.startswith("names or shapes differ: both models were built after the same seed")
    assert "; ModelNew built on the CPU: its constructor failed on meta: TypeError: " in how


@pytest.mark.parametrize("error", [RuntimeError, SystemExit])
def test_a_model_new_failing_everywhere_is_a_construct_runtime_error(error):
    log: list[tuple[str, torch.device]] = []
    problem = _problem(_layer(log, "Model"))
    candidate = _candidate(_failing(log, "ModelNew", error))

    with pytest.raises(VerdictReached) as reached:
        models.build_candidate(problem, candidate, 0, META)
    verdict = reached.value.verdict
    assert (verdict["kind"], verdict["phase"]) == ("runtime_error", "construct")
    assert verdict["exception"] == error.__name__
    assert verdict["message"] == "fails on cpu", "the CPU's failure is the verdict"
    assert log == [("Model", META), ("ModelNew", META), ("ModelNew", CPU)]


def test_a_model_failing_everywhere_is_a_problem_error():
    log: list[tuple[str, torch.device]] = []
    problem = _problem(_failing(log, "Model", RuntimeError))
    candidate = _candidate(_layer(log, "ModelNew"))
    message = r"the problem's Model\(\*get_init_inputs\(\)\) failed: RuntimeError: fails on cpu"

    with pytest.raises(ProblemError, match=message):
        models.build_reference(problem, 0, META)
    with pytest.raises(ProblemError, match=message):
        models.build_candidate(problem, candidate, 0, META)
    assert ("ModelNew", META) not in log and ("ModelNew", CPU) not in log


def test_on_the_cpu_a_failing_constructor_is_not_tried_again():
    log: list[tuple[str, torch.device]] = []
    problem = _problem(_layer(log, "Model"))
    candidate = _candidate(_failing(log, "ModelNew", RuntimeError))

    with pytest.raises(VerdictReached):
        models.build_candidate(problem, candidate, 0, CPU)
    assert log == [("Model", CPU), ("ModelNew", CPU)]


def test_on_the_cpu_values_are_those_of_a_plain_seeded_construction():
    log: list[tuple[str, torch.device]] = []
    model_class = _layer(log, "Model")
    # Other names, so that ModelNew keeps its own values rather than the reference's.
    model_new_class = _layer(log, "ModelNew", attribute="proj")
    problem, candidate = _problem(model_class), _candidate(model_new_class)

    torch.manual_seed(5)
    plain_reference = model_class(WIDTH).state_dict()
    torch.manual_seed(5)
    plain_model = model_new_class(WIDTH).state_dict()

    reference = models.build_reference(problem, 5, CPU).state_dict()
    model, how = models.build_candidate(problem, candidate, 5, CPU)
    assert how == "names or shapes differ: both models were built after the same seed"
    for built, plain in [(reference, plain_reference), (model.state_dict(), plain_model)]:
        assert built.keys() == plain.keys()
        for name, value in plain.items():
            assert torch.equal(built[name], value), name
