"""The judge's reference: the problem's `Model`, in the problem's precision and in float64.

Only the judge holds it; the runner never runs it, so no expected output ever sits in the
candidate's process. The float64 copy gives the error-factor rule its yardstick
(compare.py): how far PyTorch's own float32 result is from the float64 one on the same inputs.
A model that cannot run in float64 (an op without a float64 kernel, a tensor that is no
parameter or buffer forced to float32) falls back to the KernelBench rule, with a note.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

import torch

from lathe_worker.compare import as_tensor_list
from lathe_worker.models import build_reference
from lathe_worker.verdicts import ProblemError


class Reference:
    def __init__(self, problem: ModuleType, seed: int, device: torch.device) -> None:
        self.model = build_reference(problem, seed, device)
        self.device = device
        self._model64: torch.nn.Module | None = None
        self.float64_error: str | None = None

    def outputs(self, inputs: list[Any]) -> list[torch.Tensor]:
        """The reference's outputs in the problem's precision, on its own copy of the inputs."""
        copies = [x.clone() if isinstance(x, torch.Tensor) else x for x in inputs]
        try:
            with torch.no_grad():
                out = self.model(*copies)
        except torch.OutOfMemoryError:
            # lathe's memory, not the problem's fault at this size beside the judge's other
            # tensors: reported as such (`__main__._own_failure`), with the ways out.
            raise
        except Exception as e:
            raise ProblemError(
                f"the problem's Model failed on its own inputs: {type(e).__name__}: "
                f"{str(e).strip()[:500]}"
            ) from e
        return [t.detach() for t in as_tensor_list(out, "the reference's")]

    def outputs64(self, inputs: list[Any]) -> list[torch.Tensor] | None:
        """The outputs computed in float64 (floating outputs only; others as they come), or
        None when the model cannot run in float64 (`float64_error` says why)."""
        if self.float64_error is not None:
            return None
        try:
            model = self._float64_model()
            upcast = [
                x.double() if isinstance(x, torch.Tensor) and x.is_floating_point() else x
                for x in inputs
            ]
            default = torch.get_default_dtype()
            torch.set_default_dtype(torch.float64)
            try:
                with torch.no_grad():
                    out = model(*upcast)
            finally:
                torch.set_default_dtype(default)
            return [t.detach() for t in as_tensor_list(out, "the float64 reference's")]
        except Exception as e:
            self.float64_error = f"{type(e).__name__}: {str(e).strip()[:300]}"
            self._model64 = None
            return None

    def _float64_model(self) -> torch.nn.Module:
        if self._model64 is None:
            model = copy.deepcopy(self.model).double()
            # Tensors kept as plain attributes are no parameters or buffers: `.double()` skips
            # them, and a float32 one would meet float64 activations.
            for module in model.modules():
                for name, value in list(vars(module).items()):
                    if isinstance(value, torch.Tensor) and value.is_floating_point():
                        setattr(module, name, value.double())
            self._model64 = model
        return self._model64

    def flops(self, inputs: list[Any]) -> int | None:
        """Matrix-product and convolution flops of one forward (PyTorch's flop counter), or
        None where it cannot count them."""
        try:
            from torch.utils.flop_counter import FlopCounterMode

            counter = FlopCounterMode(display=False)
            with counter, torch.no_grad():
                self.model(*[x.clone() if isinstance(x, torch.Tensor) else x for x in inputs])
            return int(counter.get_total_flops())
        except Exception:
            return None
