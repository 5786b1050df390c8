"""The judge reads frames an untrusted runner wrote: they round-trip, and anything malformed or
oversized is refused as ChannelBroken before memory is allocated for it."""

import contextlib
import json
import os
import struct

import pytest

from lathe_worker.channel import MAX_BLOB_BYTES, MAX_HEADER_BYTES, Channel, ChannelBroken


@pytest.fixture
def pipe_pair():
    r, w = os.pipe()
    yield Channel(r, -1), Channel(-1, w), w
    for fd in (r, w):
        with contextlib.suppress(OSError):
            os.close(fd)


def test_a_frame_round_trips_with_its_blobs(pipe_pair):
    reader, writer, _ = pipe_pair
    writer.send({"op": "call", "ms": 0.25}, [b"abc", b"", b"\x00" * 1000])
    frame = reader.receive()
    assert frame.header == {"op": "call", "ms": 0.25}
    assert frame.blobs == [b"abc", b"", b"\x00" * 1000]


def test_an_oversized_header_is_refused_before_it_is_read(pipe_pair):
    reader, _, w = pipe_pair
    os.write(w, struct.pack(">I", MAX_HEADER_BYTES + 1))
    with pytest.raises(ChannelBroken, match="header of"):
        reader.receive()


def test_an_oversized_blob_is_refused(pipe_pair):
    reader, _, w = pipe_pair
    body = json.dumps({"ok": True, "blobs": [MAX_BLOB_BYTES + 1]}).encode()
    os.write(w, struct.pack(">I", len(body)) + body)
    with pytest.raises(ChannelBroken, match="blob sizes"):
        reader.receive()


@pytest.mark.parametrize("body", [b"[1, 2]", b"\xff\xfe not json", b'{"blobs": "x"}'])
def test_a_header_that_is_not_a_frame_is_refused(pipe_pair, body):
    reader, _, w = pipe_pair
    os.write(w, struct.pack(">I", len(body)) + body)
    with pytest.raises(ChannelBroken):
        reader.receive()


def test_a_truncated_frame_is_a_broken_channel(pipe_pair):
    reader, _, w = pipe_pair
    os.write(w, struct.pack(">I", 100) + b'{"ok"')
    os.close(w)
    with pytest.raises(ChannelBroken, match="closed"):
        reader.receive()
