"""The SMGP MsgID: 10 opaque bytes, and the string form hisms stores.

Spec 6.2.26 lays it out as gateway code (3 bytes BCD), MMDDHHMM (4 bytes BCD)
and a sequence (3 bytes BCD), e.g. ``0x01006101161700012345``; real gateways
do not always send valid BCD, so the bytes are never interpreted on receive
(docs/protocols.md#q5).

String form (the contract with the engine, the simulator and the reports):
**20 lower-case hex digits of the 10 wire bytes**, e.g.
``"01006101161700012345"``. SUBMIT_RESP and the status report carry the same
bytes, so they match as plain strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

LENGTH = 10
_HEX = re.compile(r"[0-9a-fA-F]{20}")


def to_str(raw: bytes) -> str:
    return raw.hex()


def from_str(text: str) -> bytes:
    """The inverse of :func:`to_str`; ValueError for anything else."""
    if _HEX.fullmatch(text) is None:
        raise ValueError(f"not an SMGP MsgID: {text!r}")
    return bytes.fromhex(text)


class MsgIdGenerator:
    """Spec-shaped MsgIDs for a gateway (the simulator's side of SUBMIT_RESP).

    ``gateway`` is the 6-digit SMGW code (3-digit area, 06, serial), ``clock``
    the local time; the 6-digit sequence starts at ``start`` and wraps from
    999999 to 0.
    """

    def __init__(
        self, gateway: str, clock: Callable[[], datetime] = datetime.now, start: int = 0
    ) -> None:
        if not (len(gateway) == 6 and gateway.isdigit()):
            raise ValueError(f"SMGW code must be 6 digits, not {gateway!r}")
        self.gateway = gateway
        self._clock = clock
        self._sequence = start % 1_000_000

    def next(self) -> bytes:
        digits = f"{self.gateway}{self._clock():%m%d%H%M}{self._sequence:06d}"
        self._sequence = (self._sequence + 1) % 1_000_000
        return bytes.fromhex(digits)  # BCD: each decimal digit is one hex nibble
