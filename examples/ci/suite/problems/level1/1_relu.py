"""One element-wise op (relu) on a (batch_size, dim) input: a problem small enough for Triton's
CPU interpreter, for the suite's CI run (examples/ci/suite/README.md)."""

import torch
from torch import nn

batch_size = 4
dim = 256


class Model(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


def get_inputs() -> list[torch.Tensor]:
    return [torch.randn(batch_size, dim)]


def get_init_inputs() -> list:
    return []
