"""Level 1 example problem: a row-wise softmax over dim 1 of a 2-D tensor.

The reference model lathe optimizes against. Sizes are module-level constants so that tools can
shrink them (for example, for a CPU run under Triton's interpreter).
"""

import torch
from torch import nn

batch_size = 4096
dim = 4096


class Model(nn.Module):
    """Softmax along the last (second) dimension of a (batch_size, dim) input."""

    def __init__(self) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=1)


def get_inputs() -> list[torch.Tensor]:
    return [torch.randn(batch_size, dim)]


def get_init_inputs() -> list:
    return []
