"""Messages between the judge and the runner: one JSON header and its binary blobs per frame.

A frame is a 4-byte big-endian header length, the header (a JSON object, UTF-8), then the
blobs the header's `blobs` list announces (their byte counts), back to back. Blobs carry tensor
bytes where no shared device memory does (the CPU, under Triton's interpreter).

The judge reads what an untrusted process wrote, so reading is defensive: sizes are capped
before anything is allocated, and anything malformed raises `ChannelBroken` (never a crash of the
judge, never pickle: nothing the runner sends is executed).
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

# Larger than any header an honest runner writes (tracebacks are cut to a few kilobytes).
MAX_HEADER_BYTES = 16 << 20
# Larger than any output the interpreter can produce in reasonable time.
MAX_BLOB_BYTES = 4 << 30


class ChannelBroken(Exception):
    """The other side closed the pipe, or wrote something that is not a frame."""


@dataclass
class Frame:
    header: dict[str, Any]
    blobs: list[bytes] = field(default_factory=list)


class Channel:
    """One direction in, one direction out, over two pipe file descriptors."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    def send(self, header: dict[str, Any], blobs: list[bytes] | None = None) -> None:
        blobs = blobs or []
        body = json.dumps({**header, "blobs": [len(b) for b in blobs]}, allow_nan=True).encode()
        self._write_all(struct.pack(">I", len(body)) + body)
        for blob in blobs:
            self._write_all(blob)

    def receive(self) -> Frame:
        (length,) = struct.unpack(">I", self._read_exact(4))
        if length > MAX_HEADER_BYTES:
            raise ChannelBroken(f"a header of {length} bytes (at most {MAX_HEADER_BYTES})")
        try:
            header = json.loads(self._read_exact(length))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ChannelBroken(f"a header that is not JSON: {e}") from None
        if not isinstance(header, dict):
            raise ChannelBroken("a header that is not a JSON object")
        sizes = header.pop("blobs", [])
        if not isinstance(sizes, list) or not all(
            isinstance(n, int) and 0 <= n <= MAX_BLOB_BYTES for n in sizes
        ):
            raise ChannelBroken(f"blob sizes {str(sizes)[:200]} (each at most {MAX_BLOB_BYTES})")
        return Frame(header, [self._read_exact(n) for n in sizes])

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.write_fd, view)
            except BrokenPipeError as e:
                raise ChannelBroken("the other side closed the pipe") from e
            view = view[written:]

    def _read_exact(self, n: int) -> bytes:
        parts, remaining = [], n
        while remaining:
            chunk = os.read(self.read_fd, min(remaining, 1 << 20))
            if not chunk:
                raise ChannelBroken("the other side closed the pipe")
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)
