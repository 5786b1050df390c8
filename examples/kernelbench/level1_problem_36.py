"""Kernel for KernelBench level1/36 (RMSNorm): x / sqrt(mean(x**2, dim=1, keepdim=True) + eps).

The reduction runs over dim 1 (the features) of a (batch, features, *) input, whose elements are
features-strided apart. The input is viewed as (batch, features, S) with S the product of the
trailing dimensions; each program owns one batch index and BLOCK_S consecutive positions of S
(contiguous in memory), loops over the features once to sum x * x per position, then once more
to write x / rms. Offsets are 64-bit: the problem's input holds 112 x 64 x 512 x 512 = 1.9e9
elements (7.5 GB).
"""

import torch
import triton
import triton.language as tl
from torch import nn

BLOCK_S = 1024
NUM_WARPS = 4


@triton.jit
def _rms_norm_kernel(
    x_ptr, out_ptr, n_features, n_positions, n_position_blocks, eps, BLOCK_S: tl.constexpr
):
    pid = tl.program_id(0).to(tl.int64)
    batch = pid // n_position_blocks
    pos = (pid % n_position_blocks) * BLOCK_S + tl.arange(0, BLOCK_S)
    mask = pos < n_positions
    base = batch * n_features * n_positions + pos

    # The offsets step by n_positions per feature, staying 64-bit throughout.
    acc = tl.zeros((BLOCK_S,), tl.float32)
    offs = base
    for _ in range(0, n_features):
        x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
        acc += x * x
        offs += n_positions
    rms = tl.sqrt(acc / n_features + eps)

    offs = base
    for _ in range(0, n_features):
        x = tl.load(x_ptr + offs, mask=mask, other=0.0).to(tl.float32)
        tl.store(out_ptr + offs, x / rms, mask=mask)
        offs += n_positions


def rms_norm(x: torch.Tensor, eps: float) -> torch.Tensor:
    """x / sqrt(mean(x**2, dim=1, keepdim=True) + eps) for a (batch, features, *) tensor."""
    assert x.dim() >= 2, f"expected (batch, features, *), got shape {tuple(x.shape)}"
    x = x.contiguous()
    out = torch.empty_like(x)
    batch, n_features = x.shape[0], x.shape[1]
    n_positions = x.numel() // max(batch * n_features, 1)
    n_position_blocks = triton.cdiv(n_positions, BLOCK_S)
    grid = (batch * n_position_blocks,)
    _rms_norm_kernel[grid](
        x,
        out,
        n_features,
        n_positions,
        n_position_blocks,
        float(eps),
        BLOCK_S=BLOCK_S,
        num_warps=NUM_WARPS,
    )
    return out


class ModelNew(nn.Module):
    """Same interface as Model (num_features and eps, no parameters); one Triton launch."""

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x, self.eps)
