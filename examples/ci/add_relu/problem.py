"""relu(a + b) * scale on two (batch_size, dim) inputs: a fused element-wise problem small
enough for Triton's CPU interpreter, for the optimization loop's CI run (examples/ci/README)."""

import torch
from torch import nn

batch_size = 4
dim = 300
scale = 0.5


class Model(nn.Module):
    """relu(a + b) * scale; no parameters."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.relu(a + b) * self.scale


def get_inputs() -> list[torch.Tensor]:
    return [torch.randn(batch_size, dim), torch.randn(batch_size, dim)]


def get_init_inputs() -> list:
    return [scale]
