"""SMGP 3.0 optional parameters: TLVs after a PDU's fixed part (spec 5.1.2, 6.3).

Each is Tag u16, Length u16, Value. Options are kept as an ordered tuple of
``(tag, value bytes)`` so unknown tags survive a decode/encode round trip and
a PDU stays hashable. Integer values are read whatever their length (the spec
says 1 byte; some implementations send 2).

A tail shorter than a TLV header (1 to 3 bytes) is ignored: real peers send
such stubs after an otherwise sound SUBMIT (see the field-reported PDU in the
tests). A TLV whose Length runs past the end is a truncated body.
"""

from __future__ import annotations

import enum
import struct

from hisms.carrier.errors import RemoteProtocolError
from hisms.carrier.fields import pad, unpad

Options = tuple[tuple[int, bytes], ...]
_HEADER = struct.Struct(">HH")


class Tag(enum.IntEnum):
    TP_PID = 0x0001
    TP_UDHI = 0x0002
    LINK_ID = 0x0003
    CHARGE_USER_TYPE = 0x0004
    CHARGE_TERM_TYPE = 0x0005
    CHARGE_TERM_PSEUDO = 0x0006
    DEST_TERM_TYPE = 0x0007
    DEST_TERM_PSEUDO = 0x0008
    PK_TOTAL = 0x0009
    PK_NUMBER = 0x000A
    SUBMIT_MSG_TYPE = 0x000B
    SP_DEAL_RESULT = 0x000C
    SRC_TERM_TYPE = 0x000D
    SRC_TERM_PSEUDO = 0x000E
    NODES_COUNT = 0x000F
    MSG_SRC = 0x0010
    SRC_TYPE = 0x0011
    M_SERVICE_ID = 0x0012


def parse(data: bytes) -> Options:
    options = []
    pos = 0
    while len(data) - pos >= _HEADER.size:
        tag, length = _HEADER.unpack_from(data, pos)
        pos += _HEADER.size
        if pos + length > len(data):
            raise RemoteProtocolError(f"SMGP TLV 0x{tag:04x} of {length} bytes is truncated")
        options.append((tag, data[pos : pos + length]))
        pos += length
    return tuple(options)


def build(options: Options) -> bytes:
    return b"".join(_HEADER.pack(tag, len(value)) + value for tag, value in options)


def find(options: Options, tag: int) -> bytes | None:
    """The first value for ``tag``, or None."""
    return next((value for t, value in options if t == tag), None)


def find_int(options: Options, tag: int, default: int = 0) -> int:
    value = find(options, tag)
    return int.from_bytes(value, "big") if value else default


def find_text(options: Options, tag: int) -> str:
    return unpad(find(options, tag) or b"")


def u8(tag: int, value: int) -> tuple[int, bytes]:
    return (tag, bytes((value,)))


def text(tag: int, value: str, width: int | None = None) -> tuple[int, bytes]:
    """A string option; ``width`` pads it as the spec's fixed ones (LinkID 20, MsgSrc 8)."""
    return (tag, pad(value, width) if width else value.encode("ascii"))


def concat_options(total: int, number: int) -> Options:
    """TP_udhi=1 and PkTotal/PkNumber for one part of a long message (docs/protocols.md#q9)."""
    return (u8(Tag.TP_UDHI, 1), u8(Tag.PK_TOTAL, total), u8(Tag.PK_NUMBER, number))
