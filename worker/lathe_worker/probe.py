"""`lathe probe`: what this machine offers for kernel work.

The GPU and its limits as CUDA reports them, the software stack, which `triton.language`
functions really exist, where Nsight Compute is and whether it may read the hardware counters,
and the measured device-to-device copy bandwidth.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import torch

from lathe_worker.fingerprint import fingerprint
from lathe_worker.protocol import ProbeRequest

# The `tl` functions whose presence the prompts speak of (prompts/triton/tl_functions.toml).
TL_FUNCTIONS = (
    "tanh", "sigmoid", "gelu", "silu", "softmax", "mish", "relu", "leaky_relu", "softplus",
    "pow", "log1p", "expm1", "erf", "clamp", "cumsum", "gather", "topk",
)  # fmt: skip


def probe(req: ProbeRequest) -> dict[str, Any]:
    facts: dict[str, Any] = {"fingerprint": fingerprint(req.device)}
    facts["tl_functions"] = _tl_functions()
    if req.device == "cuda" and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        facts["gpu"] = {
            "name": props.name,
            "compute_capability": f"{props.major}.{props.minor}",
            "sm_count": props.multi_processor_count,
            "l2_bytes": props.L2_cache_size,
            "memory_bytes": props.total_memory,
            "max_threads_per_sm": props.max_threads_per_multi_processor,
            "registers_per_sm": props.regs_per_multiprocessor,
            "shared_memory_per_sm_bytes": getattr(props, "shared_memory_per_multiprocessor", None),
            "shared_memory_per_block_optin_bytes": getattr(
                props, "shared_memory_per_block_optin", None
            ),
            "warp_size": getattr(props, "warp_size", 32),
        }
        from lathe_worker.baselines import cache_key, cached, machine_identity
        from lathe_worker.timing import copy_bandwidth_gb_s

        bandwidth = cached(
            req.cache_dir,
            "copy_bandwidth",
            cache_key("copy", machine_identity()),
            lambda: {"gb_s": copy_bandwidth_gb_s()},
        )
        facts["copy_bandwidth_gb_s"] = bandwidth["gb_s"]
    facts["ncu"] = _ncu(req.ncu)
    return facts


def _tl_functions() -> dict[str, bool] | None:
    try:
        import triton.language as tl
    except ImportError:
        return None
    return {name: hasattr(tl, name) for name in TL_FUNCTIONS}


def _ncu(explicit: str | None) -> dict[str, Any]:
    path = explicit or shutil.which("ncu")
    if not path:
        return {"path": None, "version": None, "counters": "not found"}
    try:
        version = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"path": path, "version": None, "counters": f"cannot run: {e}"}
    return {
        "path": path,
        "version": version.splitlines()[-1] if version else None,
        "counters": _counter_access(path),
    }


def _counter_access(ncu: str) -> str:
    """`readable`, `no permission` (ERR_NVGPUCTRPERM) or the reason it could not be told."""
    program = "import torch; x = torch.ones(1024, device='cuda'); (x * 2).sum().item()"
    command = [
        ncu, "--metrics", "gpu__time_duration.sum", "--launch-count", "1",
        "--target-processes", "all", "python3", "-c", program,
    ]  # fmt: skip
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown: {e}"
    output = run.stdout + run.stderr
    if "ERR_NVGPUCTRPERM" in output:
        return "no permission"
    if "gpu__time_duration.sum" in output:
        return "readable"
    return "unknown: " + (output.strip().splitlines() or ["no output"])[-1][:200]
