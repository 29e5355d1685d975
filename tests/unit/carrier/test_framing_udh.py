"""Length-prefixed framing and concatenation UDHs."""

from __future__ import annotations

import struct

import pytest

from hisms.carrier.wire import udh
from hisms.carrier.wire.errors import RemoteProtocolError
from hisms.carrier.wire.framing import FrameBuffer


def frame(body: bytes) -> bytes:
    return struct.pack(">I", 4 + len(body)) + body


def test_frames_whole_bytewise_and_back_to_back() -> None:
    data = frame(b"abc") + frame(b"") + frame(b"0123456789")
    for chunks in ([data], [data[i : i + 1] for i in range(len(data))]):
        buffer = FrameBuffer(4, 100)
        out = []
        for chunk in chunks:
            buffer.feed(chunk)
            while (f := buffer.next_frame()) is not None:
                out.append(f[4:])
        assert out == [b"abc", b"", b"0123456789"] and buffer.pending == 0


@pytest.mark.parametrize("length", [0, 3, 101, 0xFFFFFFFF])
def test_lengths_out_of_bounds_fail_at_once(length: int) -> None:
    buffer = FrameBuffer(4, 100)
    buffer.feed(struct.pack(">I", length))
    with pytest.raises(RemoteProtocolError):
        buffer.next_frame()


def test_udh_8_and_16_bit_references() -> None:
    assert udh.build(300, 3, 2) == bytes([5, 0, 3, 300 & 0xFF, 3, 2])
    concat, rest = udh.split(udh.build(7, 3, 2) + b"text")
    assert (concat, rest) == (udh.Concat(7, 3, 2), b"text")
    concat, rest = udh.split(bytes([6, 8, 4, 0x12, 0x34, 4, 1]) + b"t")
    assert (concat, rest) == (udh.Concat(0x1234, 4, 1), b"t")


@pytest.mark.parametrize("payload", [b"", bytes([9, 0, 3]), bytes([5, 0, 4, 1, 2, 3])])
def test_bad_udh_is_a_remote_error(payload: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        udh.split(payload)
