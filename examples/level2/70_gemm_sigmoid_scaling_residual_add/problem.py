"""Level 2 example problem: a Linear layer followed by z + scaling_factor * sigmoid(z).

The reference model lathe optimizes against. Sizes are module-level constants so that tools can
shrink them (for example, for a CPU run under Triton's interpreter).
"""

import torch
from torch import nn

batch_size = 1024
input_size = 8192
hidden_size = 8192
scaling_factor = 2.0


class Model(nn.Module):
    """GEMM (with bias), then a scaled sigmoid added back onto its own input as a residual."""

    def __init__(self, input_size: int, hidden_size: int, scaling_factor: float) -> None:
        super().__init__()
        self.gemm = nn.Linear(input_size, hidden_size)
        self.scaling_factor = scaling_factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.gemm(x)
        return z + self.scaling_factor * torch.sigmoid(z)


def get_inputs() -> list[torch.Tensor]:
    return [torch.rand(batch_size, input_size)]


def get_init_inputs() -> list:
    return [input_size, hidden_size, scaling_factor]
