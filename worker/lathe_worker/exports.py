"""A candidate's outputs, from the runner's process to the judge's.

On a GPU the runner copies each output into an export buffer of its own (`cuda_ipc`), allocated
once per output and shared with the judge by IPC handle; the judge reads it in place. On the
CPU (Triton's interpreter) the bytes travel as blobs on the channel.

What the runner says about an output (shape, dtype, sizes, handles) is checked by the judge
before anything is read: an impossible description is a broken protocol, never a crash of the
judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

# Headroom when a buffer is (re)allocated: the second-shape check grows the batch by one.
_HEADROOM = 1 / 8
_ALIGN = 2 << 20

DTYPES = {
    name: getattr(torch, name)
    for name in (
        "float64",
        "float32",
        "float16",
        "bfloat16",
        "complex64",
        "complex128",
        "int64",
        "int32",
        "int16",
        "int8",
        "uint8",
        "bool",
        "float8_e4m3fn",
        "float8_e5m2",
    )
    if isinstance(getattr(torch, name, None), torch.dtype)
}


class ExportRefused(Exception):
    """The runner described an output that cannot be what it claims."""


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _as_bytes(t: torch.Tensor) -> torch.Tensor:
    flat = t.detach().contiguous().reshape(-1)
    return flat.view(torch.uint8) if flat.numel() else flat.new_empty(0, dtype=torch.uint8)


class Exporter:
    """Runner side."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"
        self.buffers: list[Any] = []
        # Replaced buffers stay allocated until the runner ends: the judge may still map them.
        self._retired: list[Any] = []

    def export(self, outputs: list[torch.Tensor]) -> tuple[list[dict[str, Any]], list[bytes]]:
        metas, blobs = [], []
        for i, t in enumerate(outputs):
            data = _as_bytes(t)
            meta: dict[str, Any] = {
                "shape": list(t.shape),
                "dtype": dtype_name(t.dtype),
                "nbytes": int(data.numel()),
                "device": t.device.type,
            }
            if self.cuda:
                meta |= self._to_buffer(i, data)
            else:
                meta["blob"] = len(blobs)
                blobs.append(data.cpu().numpy().tobytes())
            metas.append(meta)
        if self.cuda:
            torch.cuda.synchronize()
        return metas, blobs

    def _to_buffer(self, index: int, data: torch.Tensor) -> dict[str, Any]:
        from lathe_worker.cuda_ipc import ExportBuffer

        n = int(data.numel())
        while len(self.buffers) <= index:
            self.buffers.append(None)
        current = self.buffers[index]
        if current is None or current.nbytes < n:
            if current is not None:
                self._retired.append(current)
            capacity = -(-int(n * (1 + _HEADROOM)) // _ALIGN) * _ALIGN
            current = self.buffers[index] = ExportBuffer(max(capacity, _ALIGN))
        # The handle goes with every reply: the judge maps a buffer the first time it reads
        # one (it does not read every reply: calibration, unsampled timed calls).
        meta = {"buffer": index, "handle": current.handle.hex(), "capacity": current.nbytes}
        if n:
            current.bytes[:n].copy_(data)
        return meta


@dataclass
class _Mapped:
    handle: str
    buffer: Any


class Importer:
    """Judge side: the runner's outputs as tensors (views of its buffers on a GPU)."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"
        self.mapped: dict[int, _Mapped] = {}

    def outputs(self, metas: Any, blobs: list[bytes]) -> list[torch.Tensor]:
        if not isinstance(metas, list):
            raise ExportRefused("`outputs` is not a list")
        return [self._one(meta, blobs) for meta in metas]

    def _one(self, meta: Any, blobs: list[bytes]) -> torch.Tensor:
        if not isinstance(meta, dict):
            raise ExportRefused("an output description that is not an object")
        shape, name, nbytes = meta.get("shape"), meta.get("dtype"), meta.get("nbytes")
        if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
            raise ExportRefused(f"output shape {str(shape)[:100]}")
        if name not in DTYPES:
            raise ExportRefused(f"output dtype {str(name)[:40]}")
        dtype = DTYPES[name]
        numel = 1
        for d in shape:
            numel *= d
        itemsize = torch.empty(0, dtype=dtype).element_size()
        if nbytes != numel * itemsize:
            raise ExportRefused(f"{nbytes} bytes for a {name} tensor of shape {shape}")
        raw = (
            self._buffer_bytes(meta, nbytes) if self.cuda else self._blob_bytes(meta, blobs, nbytes)
        )
        if numel == 0:
            return torch.empty(shape, dtype=dtype, device=raw.device)
        return raw.view(dtype).reshape(shape)

    def _blob_bytes(self, meta: dict, blobs: list[bytes], nbytes: int) -> torch.Tensor:
        index = meta.get("blob")
        if type(index) is not int or not 0 <= index < len(blobs) or len(blobs[index]) != nbytes:
            raise ExportRefused(f"output blob {str(index)[:20]} of the wrong size")
        if not nbytes:
            return torch.empty(0, dtype=torch.uint8)
        return torch.frombuffer(bytearray(blobs[index]), dtype=torch.uint8)

    def _buffer_bytes(self, meta: dict, nbytes: int) -> torch.Tensor:
        from lathe_worker.cuda_ipc import CudaIpcError, ImportedBuffer

        index = meta.get("buffer")
        if type(index) is not int or not 0 <= index < 4096:
            raise ExportRefused(f"output buffer {str(index)[:20]}")
        handle, capacity = meta.get("handle"), meta.get("capacity")
        if not isinstance(handle, str) or type(capacity) is not int or capacity < nbytes:
            raise ExportRefused(f"output buffer {index} without a valid handle and capacity")
        mapped = self.mapped.get(index)
        if mapped is None or mapped.handle != handle:
            if mapped is not None:
                mapped.buffer.close()
                del self.mapped[index]
            try:
                mapped = _Mapped(handle, ImportedBuffer(bytes.fromhex(handle), capacity))
            except (ValueError, CudaIpcError) as e:
                raise ExportRefused(f"output buffer {index}: {e}") from e
            self.mapped[index] = mapped
        if mapped.buffer.nbytes < nbytes:
            raise ExportRefused(f"output buffer {index} holds fewer than {nbytes} bytes")
        # A copy, taken at once: the runner can still write to its buffer, and every later read
        # of the judge's must see the values of this one moment.
        return mapped.buffer.bytes[:nbytes].clone()

    def close(self) -> None:
        for mapped in self.mapped.values():
            mapped.buffer.close()
        self.mapped.clear()
