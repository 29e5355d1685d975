"""The 64-bit CMPP Msg_Id: its parts, and the string form hisms stores.

String form (the contract with the engine, the simulator and the reports):
**16 lower-case hex digits of the unsigned 64-bit big-endian value**, i.e. the
8 wire bytes in hex, e.g. ``"5b4a1c0a00120001"``. The same form is used for the
SUBMIT_RESP's id and the status report's id, so they match as plain strings.
It is fixed-width and, like SMGP's 10-byte hex id, stores the bytes as-is.

Layout (spec 8.4.3.2): month bit64-61, day 60-56, hour 55-51, minute 50-45,
second 44-39, gateway (ISMG) code 38-17, sequence 16-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MsgIdParts:
    month: int
    day: int
    hour: int
    minute: int
    second: int
    gateway: int  # 22 bits
    sequence: int  # 16 bits


def to_str(msg_id: int) -> str:
    return f"{msg_id:016x}"


def from_str(text: str) -> int:
    return int(text, 16)


def split(msg_id: int) -> MsgIdParts:
    return MsgIdParts(
        month=msg_id >> 60 & 0xF,
        day=msg_id >> 55 & 0x1F,
        hour=msg_id >> 50 & 0x1F,
        minute=msg_id >> 44 & 0x3F,
        second=msg_id >> 38 & 0x3F,
        gateway=msg_id >> 16 & 0x3FFFFF,
        sequence=msg_id & 0xFFFF,
    )


def join(parts: MsgIdParts) -> int:
    return (
        parts.month << 60
        | parts.day << 55
        | parts.hour << 50
        | parts.minute << 44
        | parts.second << 38
        | (parts.gateway & 0x3FFFFF) << 16
        | (parts.sequence & 0xFFFF)
    )


def make(at: datetime, gateway: int, sequence: int) -> int:
    """A Msg_Id as an ISMG generates it (used by the simulator)."""
    return join(MsgIdParts(at.month, at.day, at.hour, at.minute, at.second, gateway, sequence))
