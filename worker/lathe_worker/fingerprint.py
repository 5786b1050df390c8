"""The environment a verdict was reached in: which GPU, driver, CUDA, torch, Triton and clocks.

Every result carries it, so that a timing is never compared with one from another machine or
another software stack without anyone noticing. Clocks and throttle reasons come from NVML
(nvidia-ml-py) when it is installed; without it they are reported as unknown, never guessed.
"""

from __future__ import annotations

import platform
from typing import Any

import torch

# NVML's clocks-event (throttle) reason bits, by name.
_THROTTLE_REASONS = {
    0x1: "gpu_idle",
    0x2: "applications_clocks_setting",
    0x4: "sw_power_cap",
    0x8: "hw_slowdown",
    0x10: "sync_boost",
    0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}


def fingerprint(device: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "device": device,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "triton": _triton_version(),
        "cuda": torch.version.cuda,
    }
    if device == "cuda" and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info |= {
            "gpu": props.name,
            "compute_capability": f"{props.major}.{props.minor}",
            "sm_count": props.multi_processor_count,
            "l2_bytes": props.L2_cache_size,
            "memory_bytes": props.total_memory,
        }
        info |= nvml_state()
    return info


def _triton_version() -> str | None:
    try:
        import triton

        return triton.__version__
    except ImportError:
        return None


def nvml_state() -> dict[str, Any]:
    """Driver version, current clocks and throttle reasons of GPU 0; `nvml: false` if unknown."""
    try:
        import pynvml
    except ImportError:
        return {"nvml": False, "driver": None, "clocks": None}
    try:
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        driver = pynvml.nvmlSystemGetDriverVersion()
        reasons = pynvml.nvmlDeviceGetCurrentClocksEventReasons(handle)
        clocks = {
            "sm_mhz": pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_SM),
            "mem_mhz": pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_MEM),
            "max_sm_mhz": pynvml.nvmlDeviceGetMaxClockInfo(handle, pynvml.NVML_CLOCK_SM),
            "temperature_c": pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU),
            "throttle_reasons": [n for bit, n in _THROTTLE_REASONS.items() if reasons & bit],
        }
        return {"nvml": True, "driver": _text(driver), "clocks": clocks}
    except Exception as e:
        return {"nvml": False, "driver": None, "clocks": None, "nvml_error": str(e)}


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
