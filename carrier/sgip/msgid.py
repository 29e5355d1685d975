"""The SGIP 12-byte sequence number: the message key of the whole protocol.

SGIP 1.2 section 3.4: three u32s, the source node id (3AAAAQQQQQ for an SP),
the time the command was made as the decimal number MMDDHHMMSS, and a counter
that starts at 0 and wraps. A SUBMIT_RESP carries no message id and a REPORT
names the SUBMIT by this sequence, so it is what hisms stores as the carrier
message id.

String form (stable, stored by the engine): ``"<node>-<MMDDHHMMSS>-<counter>"``
with the node and counter in decimal and the time zero-padded to 10 digits,
e.g. ``"3000012345-1125103000-17"``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hisms.carrier.wire import times

_PACKED = struct.Struct(">III")
_TEXT = re.compile(r"(\d{1,10})-(\d{10})-(\d{1,10})")
_U32 = 1 << 32


@dataclass(frozen=True, slots=True, order=True)
class Sequence:
    node: int
    stamp: int  # MMDDHHMMSS as a decimal number, e.g. 1125103000
    counter: int

    def __str__(self) -> str:
        return f"{self.node}-{self.stamp:010d}-{self.counter}"

    @classmethod
    def parse(cls, text: str) -> Sequence:
        """The inverse of ``str()``; ValueError for anything else."""
        match = _TEXT.fullmatch(text)
        if match is None:
            raise ValueError(f"not an SGIP sequence: {text!r}")
        node, stamp, counter = (int(part) for part in match.groups())
        if node >= _U32 or stamp >= _U32 or counter >= _U32:
            raise ValueError(f"SGIP sequence part out of range: {text!r}")
        return cls(node, stamp, counter)

    def pack(self) -> bytes:
        return _PACKED.pack(self.node, self.stamp, self.counter)

    @classmethod
    def unpack(cls, raw: bytes) -> Sequence:
        """From the 12 wire bytes (the caller has taken exactly 12)."""
        return cls(*_PACKED.unpack(raw))


def stamp(moment: datetime) -> int:
    """The sequence's time part: MMDDHHMMSS read as a decimal number."""
    return int(times.stamp(moment))


class SequenceGenerator:
    """Sequences for commands this node originates.

    ``clock`` gives the local (Beijing) time; tests inject a fixed one. The
    counter starts at ``start`` and wraps from 2**32-1 back to 0.
    """

    def __init__(
        self, node: int, clock: Callable[[], datetime] = datetime.now, start: int = 0
    ) -> None:
        if not 0 <= node < _U32:
            raise ValueError(f"SGIP node id {node} does not fit in 32 bits")
        self.node = node
        self._clock = clock
        self._counter = start % _U32

    def next(self) -> Sequence:
        sequence = Sequence(self.node, stamp(self._clock()), self._counter)
        self._counter = (self._counter + 1) % _U32
        return sequence
