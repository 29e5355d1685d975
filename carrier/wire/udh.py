"""Concatenated-SMS user data headers (3GPP TS 23.040 9.2.3.24.1 and .8).

We send the 8-bit-reference form ``05 00 03 ref total seq``; on receive we also
accept the 16-bit-reference form ``06 08 04 ref_hi ref_lo total seq``.
"""

from __future__ import annotations

from dataclasses import dataclass

from hisms.carrier.wire.errors import RemoteProtocolError


@dataclass(frozen=True, slots=True)
class Concat:
    ref: int
    total: int
    seq: int


def build(ref: int, total: int, seq: int) -> bytes:
    return bytes((0x05, 0x00, 0x03, ref & 0xFF, total, seq))


def split(payload: bytes) -> tuple[Concat | None, bytes]:
    """Separate a UDH-prefixed payload into its concatenation info and the text bytes."""
    if not payload:
        raise RemoteProtocolError("UDH flag set on an empty message")
    udhl = payload[0]
    if udhl + 1 > len(payload):
        raise RemoteProtocolError(f"UDH length {udhl} exceeds message length {len(payload)}")
    header, rest = payload[1 : udhl + 1], payload[udhl + 1 :]
    concat = None
    i = 0
    while i + 2 <= len(header):
        iei, iel = header[i], header[i + 1]
        data = header[i + 2 : i + 2 + iel]
        if len(data) != iel:
            raise RemoteProtocolError("truncated UDH information element")
        if iei == 0x00 and iel == 3:
            concat = Concat(ref=data[0], total=data[1], seq=data[2])
        elif iei == 0x08 and iel == 4:
            concat = Concat(ref=(data[0] << 8) | data[1], total=data[2], seq=data[3])
        i += 2 + iel
    return concat, rest


def udhi_set(flag: int) -> bool:
    """TP_udhi: the spec's right-aligned bit, or 0x40 as SMPP peers send it.

    See docs/protocols.md#q2.
    """
    return bool(flag & 0x41)


def split_content(content: bytes, udhi: int) -> tuple[Concat | None, bytes]:
    """Concatenation info and the text bytes of a CMPP, SGIP or SMGP message content."""
    return split(content) if udhi_set(udhi) else (None, content)
