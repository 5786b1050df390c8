"""Starting kernel for level2/70: one Triton matmul with a fused bias + scaled-sigmoid residual.

out = z + scaling_factor * sigmoid(z), where z = x @ W^T + b. The nn.Linear weight W is (N, K)
and is read through its strides as B[K, N], so no transposed copy is made. Tiles are accumulated
in float32 with IEEE-precision tl.dot (no TF32), program ids are swizzled in groups of GROUP_M
rows of tiles for L2 reuse, and the epilogue is applied before the single store.
"""

import torch
import triton
import triton.language as tl
from torch import nn


@triton.autotune(
    configs=[
        triton.Config(
            {"BLOCK_M": 128, "BLOCK_N": 128, "BLOCK_K": 32, "GROUP_M": 8},
            num_warps=8,
            num_stages=3,
        ),
        triton.Config(
            {"BLOCK_M": 128, "BLOCK_N": 64, "BLOCK_K": 32, "GROUP_M": 8},
            num_warps=4,
            num_stages=4,
        ),
        triton.Config(
            {"BLOCK_M": 64, "BLOCK_N": 128, "BLOCK_K": 32, "GROUP_M": 8},
            num_warps=4,
            num_stages=4,
        ),
        triton.Config(
            {"BLOCK_M": 64, "BLOCK_N": 64, "BLOCK_K": 64, "GROUP_M": 8},
            num_warps=4,
            num_stages=3,
        ),
    ],
    key=["M", "N", "K"],
)
@triton.jit
def _gemm_sigmoid_residual_kernel(
    a_ptr,
    w_ptr,
    bias_ptr,
    out_ptr,
    M,
    N,
    K,
    stride_am,
    stride_ak,
    stride_wn,
    stride_wk,
    stride_om,
    stride_on,
    scaling_factor,
    BLOCK_M: tl.constexpr,
    BLOCK_N: tl.constexpr,
    BLOCK_K: tl.constexpr,
    GROUP_M: tl.constexpr,
):
    # Swizzle: consecutive program ids walk down a group of GROUP_M tile rows before moving to
    # the next tile column, so the tiles of A and B they share stay in L2.
    pid = tl.program_id(0)
    num_pid_m = tl.cdiv(M, BLOCK_M)
    num_pid_n = tl.cdiv(N, BLOCK_N)
    pids_per_group = GROUP_M * num_pid_n
    group = pid // pids_per_group
    first_pid_m = group * GROUP_M
    rows_in_group = tl.minimum(num_pid_m - first_pid_m, GROUP_M)
    pid_in_group = pid % pids_per_group
    pid_m = first_pid_m + pid_in_group % rows_in_group
    pid_n = pid_in_group // rows_in_group

    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    offs_k = tl.arange(0, BLOCK_K)
    mask_m = offs_m < M
    mask_n = offs_n < N

    # A tile is [BLOCK_M, BLOCK_K]; B[k, n] = W[n, k], so its tile is [BLOCK_K, BLOCK_N].
    a_ptrs = a_ptr + offs_m[:, None] * stride_am + offs_k[None, :] * stride_ak
    b_ptrs = w_ptr + offs_k[:, None] * stride_wk + offs_n[None, :] * stride_wn

    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for k in range(0, tl.cdiv(K, BLOCK_K)):
        k_left = K - k * BLOCK_K
        mask_k = offs_k < k_left
        a = tl.load(a_ptrs, mask=mask_m[:, None] & mask_k[None, :], other=0.0)
        b = tl.load(b_ptrs, mask=mask_k[:, None] & mask_n[None, :], other=0.0)
        acc = tl.dot(a, b, acc, input_precision="ieee")
        a_ptrs += BLOCK_K * stride_ak
        b_ptrs += BLOCK_K * stride_wk

    bias = tl.load(bias_ptr + offs_n, mask=mask_n, other=0.0).to(tl.float32)
    z = acc + bias[None, :]
    out = z + scaling_factor * tl.sigmoid(z)

    out_ptrs = out_ptr + offs_m[:, None] * stride_om + offs_n[None, :] * stride_on
    tl.store(out_ptrs, out, mask=mask_m[:, None] & mask_n[None, :])


def gemm_sigmoid_residual(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, scaling_factor: float
) -> torch.Tensor:
    """z + scaling_factor * sigmoid(z) with z = x @ weight.T + bias, as one Triton kernel."""
    n, k = weight.shape
    assert x.shape[-1] == k, f"x has {x.shape[-1]} features, the weight expects {k}"
    assert bias.shape == (n,), f"bias must have shape ({n},), got {tuple(bias.shape)}"

    lead = x.shape[:-1]
    a = x.reshape(-1, k)
    m = a.shape[0]
    # Offsets are computed in 32-bit integers inside the kernel.
    assert max(m * k, n * k, m * n) < 2**31, "tensors too large for 32-bit offsets"

    out = torch.empty((m, n), device=x.device, dtype=x.dtype)

    def grid(meta: dict) -> tuple[int]:
        return (triton.cdiv(m, meta["BLOCK_M"]) * triton.cdiv(n, meta["BLOCK_N"]),)

    _gemm_sigmoid_residual_kernel[grid](
        a,
        weight,
        bias,
        out,
        m,
        n,
        k,
        a.stride(0),
        a.stride(1),
        weight.stride(0),
        weight.stride(1),
        out.stride(0),
        out.stride(1),
        float(scaling_factor),
    )
    return out.reshape(*lead, n)


class ModelNew(nn.Module):
    """Same parameters as Model (an nn.Linear named gemm); forward is one fused Triton kernel."""

    def __init__(self, input_size: int, hidden_size: int, scaling_factor: float) -> None:
        super().__init__()
        self.gemm = nn.Linear(input_size, hidden_size)
        self.scaling_factor = scaling_factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return gemm_sigmoid_residual(x, self.gemm.weight, self.gemm.bias, self.scaling_factor)
