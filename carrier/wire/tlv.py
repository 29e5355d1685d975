"""Optional parameters after a PDU's fixed part: Tag u16, Length u16, Value.

SMGP 3.0 (spec 5.1.2, 6.3) and SMPP 3.4 (spec 3.2.4, 5.3) share the format;
each protocol's tags are in its ``pdus``. TLVs are read as ``(tag, value
bytes)`` pairs in wire order, so tags we do not know survive a decode/encode
round trip untouched.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping

from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.wire.fields import pad, unpad

Tlvs = tuple[tuple[int, bytes], ...]
_HEADER = struct.Struct(">HH")


def parse(data: bytes, sizes: Mapping[int, int] | None = None, *, stub_tail: bool = False) -> Tlvs:
    """The TLVs in ``data``, which must hold nothing else.

    ``sizes`` are value widths the spec fixes, checked here so that reading a
    value cannot fail later. With ``stub_tail`` a tail shorter than a TLV header
    (1 to 3 bytes) is ignored: some SMGP peers send such stubs after an
    otherwise sound SUBMIT.
    """
    tlvs = []
    pos = 0
    while pos < len(data):
        if pos + _HEADER.size > len(data):
            if stub_tail:
                break
            raise RemoteProtocolError(f"truncated TLV header at offset {pos}")
        tag, length = _HEADER.unpack_from(data, pos)
        value = data[pos + _HEADER.size : pos + _HEADER.size + length]
        if len(value) != length:
            raise RemoteProtocolError(f"TLV 0x{tag:04x} claims {length} bytes, has {len(value)}")
        expected = (sizes or {}).get(tag)
        if expected is not None and length != expected:
            raise RemoteProtocolError(f"TLV 0x{tag:04x} must be {expected} bytes, got {length}")
        tlvs.append((tag, value))
        pos += _HEADER.size + length
    return tuple(tlvs)


def build(tlvs: Iterable[tuple[int, bytes]]) -> bytes:
    pairs = tuple(tlvs)
    try:
        return b"".join(_HEADER.pack(tag, len(value)) + bytes(value) for tag, value in pairs)
    except struct.error:
        raise LocalProtocolError(f"TLV tag or length does not fit 16 bits: {pairs!r:.80}") from None


def find(tlvs: Tlvs, tag: int) -> bytes | None:
    """The first value for ``tag``, or None."""
    return next((value for t, value in tlvs if t == tag), None)


def find_int(tlvs: Tlvs, tag: int, default: int = 0) -> int:
    """An integer value, whatever its length (SMGP says 1 byte; some peers send 2)."""
    value = find(tlvs, tag)
    return int.from_bytes(value, "big") if value else default


def find_text(tlvs: Tlvs, tag: int) -> str:
    return unpad(find(tlvs, tag) or b"")


def int_value(value: int, size: int) -> bytes:
    """An unsigned integer value (u8, u16, ...)."""
    try:
        return value.to_bytes(size, "big")
    except OverflowError:
        raise LocalProtocolError(f"TLV value {value} does not fit {size} bytes") from None


def text_value(value: str, width: int | None = None) -> bytes:
    """A string value; ``width`` pads it as SMGP's fixed ones (LinkID 20, MsgSrc 8)."""
    return pad(value, width) if width else value.encode("ascii")


def cstr_value(value: str) -> bytes:
    """A C-octet-string value, e.g. SMPP's receipted_message_id."""
    try:
        return value.encode("ascii") + b"\x00"
    except UnicodeEncodeError:
        raise LocalProtocolError(f"TLV value {value!r} is not ASCII") from None
