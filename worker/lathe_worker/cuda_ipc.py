"""Device memory shared from the runner to the judge, through the CUDA runtime's IPC calls.

The runner allocates its export buffers with plain `cudaMalloc` (outside PyTorch's caching
allocator, so a buffer's allocation holds nothing but that buffer) and sends each one's IPC
handle; the judge opens the handle and reads the candidate's outputs there, in place. Nothing
goes the other way: the judge never exports its own memory, so no byte the judge allocated is
mapped into the candidate's process.

The functions are those of the CUDA runtime library PyTorch itself loaded (found in
/proc/self/maps), so they act on the same primary context as PyTorch.
"""

from __future__ import annotations

import ctypes
import functools
import re
from pathlib import Path

import torch

_IPC_HANDLE_BYTES = 64
_LAZY_ENABLE_PEER_ACCESS = 1


class CudaIpcError(Exception):
    pass


class _Handle(ctypes.Structure):
    # Bytes, not c_char: a c_char array reads back only up to its first NUL.
    _fields_ = [("reserved", ctypes.c_ubyte * _IPC_HANDLE_BYTES)]


@functools.cache
def _cudart() -> ctypes.CDLL:
    maps = Path("/proc/self/maps").read_text()
    loaded = sorted(set(re.findall(r"(/\S*libcudart\.so[.\d]*)", maps)))
    for path in [*loaded, "libcudart.so.13", "libcudart.so.12", "libcudart.so"]:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        lib.cudaGetErrorString.restype = ctypes.c_char_p
        return lib
    raise CudaIpcError("no CUDA runtime library (libcudart) could be loaded")


def _check(status: int, what: str) -> None:
    if status != 0:
        text = _cudart().cudaGetErrorString(status) or b"unknown error"
        raise CudaIpcError(f"{what}: {text.decode()} (cudaError {status})")


@functools.cache
def _driver() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libcuda.so.1")
    except OSError:
        return None


def allocation_bytes(ptr: int) -> int | None:
    """The bytes from `ptr` to the end of its allocation, per the driver (None if unknown)."""
    driver = _driver()
    if driver is None:
        return None
    base, size = ctypes.c_uint64(), ctypes.c_size_t()
    status = driver.cuMemGetAddressRange_v2(
        ctypes.byref(base), ctypes.byref(size), ctypes.c_uint64(ptr)
    )
    if status != 0:
        return None
    return int(base.value) + int(size.value) - ptr


class _Interface:
    """Exposes raw device bytes as `__cuda_array_interface__`, for `torch.as_tensor`."""

    def __init__(self, ptr: int, nbytes: int, owner: object) -> None:
        self.owner = owner
        self.__cuda_array_interface__ = {
            "shape": (nbytes,),
            "typestr": "|u1",
            "data": (ptr, False),
            "version": 3,
            "strides": None,
        }


class ExportBuffer:
    """A runner-side device buffer of its own allocation, shareable by IPC handle."""

    def __init__(self, nbytes: int) -> None:
        torch.cuda.init()
        ptr = ctypes.c_void_p()
        _check(
            _cudart().cudaMalloc(ctypes.byref(ptr), ctypes.c_size_t(max(nbytes, 1))), "cudaMalloc"
        )
        self.ptr = int(ptr.value or 0)
        self.nbytes = nbytes
        handle = _Handle()
        _check(
            _cudart().cudaIpcGetMemHandle(ctypes.byref(handle), ctypes.c_void_p(self.ptr)),
            "cudaIpcGetMemHandle",
        )
        self.handle = bytes(handle.reserved)
        self.bytes = torch.as_tensor(_Interface(self.ptr, nbytes, self), device="cuda")

    def __del__(self) -> None:
        if getattr(self, "ptr", 0):
            _cudart().cudaFree(ctypes.c_void_p(self.ptr))
            self.ptr = 0


class ImportedBuffer:
    """A judge-side view of a runner's export buffer, opened from its IPC handle."""

    def __init__(self, handle: bytes, nbytes: int) -> None:
        if len(handle) != _IPC_HANDLE_BYTES:
            raise CudaIpcError(f"an IPC handle of {len(handle)} bytes")
        torch.cuda.init()
        ptr = ctypes.c_void_p()
        raw = _Handle.from_buffer_copy(handle)
        status = _cudart().cudaIpcOpenMemHandle(ctypes.byref(ptr), raw, _LAZY_ENABLE_PEER_ACCESS)
        _check(status, "cudaIpcOpenMemHandle")
        self.ptr = int(ptr.value or 0)
        self.nbytes = nbytes
        # The size comes from the untrusted runner: a view past the allocation would make the
        # judge itself fault. The driver knows the allocation's true extent.
        actual = allocation_bytes(self.ptr)
        if actual is not None and nbytes > actual:
            self.close()
            raise CudaIpcError(f"a buffer said to hold {nbytes} bytes holds {actual}")
        self.bytes = torch.as_tensor(_Interface(self.ptr, nbytes, self), device="cuda")

    def close(self) -> None:
        if self.ptr:
            torch.cuda.synchronize()
            _cudart().cudaIpcCloseMemHandle(ctypes.c_void_p(self.ptr))
            self.ptr = 0
