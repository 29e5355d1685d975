"""Splitting a byte stream into length-prefixed PDUs.

CMPP, SGIP, SMGP and SMPP all start every PDU with a big-endian u32 total
length that includes itself. :class:`FrameBuffer` is fed arbitrary chunks and
hands back whole frames; a length outside the protocol's bounds is a clean
:class:`RemoteProtocolError`, never an endless wait for bytes that will not come.
"""

from __future__ import annotations

import struct

from hisms.carrier.wire.errors import RemoteProtocolError


class FrameBuffer:
    def __init__(self, min_length: int, max_length: int) -> None:
        self._buf = bytearray()
        self._min = min_length
        self._max = max_length

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_frame(self) -> bytes | None:
        """The next complete frame (length prefix included), or None if more bytes are needed."""
        if len(self._buf) < 4:
            return None
        (length,) = struct.unpack_from(">I", self._buf)
        if not self._min <= length <= self._max:
            raise RemoteProtocolError(f"PDU length {length} outside {self._min}..{self._max}")
        if len(self._buf) < length:
            return None
        frame = bytes(self._buf[:length])
        del self._buf[:length]
        return frame

    @property
    def pending(self) -> int:
        """Bytes received but not yet returned as a frame."""
        return len(self._buf)
