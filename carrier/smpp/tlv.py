"""SMPP 3.4 optional parameters (TLVs, spec 3.2.4 and 5.3).

A PDU keeps its TLVs as a mapping tag -> raw value bytes, so tags we do not know
survive a decode/encode round trip untouched. :class:`OptionalParams` adds typed
read accessors for the tags hisms uses; the ``*_value`` builders make the bytes.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Mapping

from hisms.carrier.errors import LocalProtocolError, RemoteProtocolError


class Tag(enum.IntEnum):
    RECEIPTED_MESSAGE_ID = 0x001E
    USER_MESSAGE_REFERENCE = 0x0204
    SAR_MSG_REF_NUM = 0x020C
    SAR_TOTAL_SEGMENTS = 0x020E
    SAR_SEGMENT_SEQNUM = 0x020F
    SC_INTERFACE_VERSION = 0x0210
    NETWORK_ERROR_CODE = 0x0423
    MESSAGE_PAYLOAD = 0x0424
    MESSAGE_STATE = 0x0427


# Value sizes the spec fixes; checked on decode so the accessors cannot fail later.
_FIXED_SIZE = {
    Tag.USER_MESSAGE_REFERENCE: 2,
    Tag.SAR_MSG_REF_NUM: 2,
    Tag.SAR_TOTAL_SEGMENTS: 1,
    Tag.SAR_SEGMENT_SEQNUM: 1,
    Tag.SC_INTERFACE_VERSION: 1,
    Tag.NETWORK_ERROR_CODE: 3,
    Tag.MESSAGE_STATE: 1,
}


def pack(tlvs: Mapping[int, bytes]) -> bytes:
    try:
        return b"".join(struct.pack(">HH", tag, len(v)) + bytes(v) for tag, v in tlvs.items())
    except struct.error:
        raise LocalProtocolError(f"TLV tag or length does not fit 16 bits: {tlvs!r:.80}") from None


def unpack(data: bytes) -> dict[int, bytes]:
    """The TLVs in ``data``, which must hold nothing else."""
    tlvs: dict[int, bytes] = {}
    pos = 0
    while pos < len(data):
        if pos + 4 > len(data):
            raise RemoteProtocolError(f"truncated TLV header at offset {pos}")
        tag, length = struct.unpack_from(">HH", data, pos)
        value = data[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise RemoteProtocolError(f"TLV 0x{tag:04X} claims {length} bytes, has {len(value)}")
        expected = _FIXED_SIZE.get(tag)
        if expected is not None and length != expected:
            raise RemoteProtocolError(f"TLV 0x{tag:04X} must be {expected} bytes, got {length}")
        tlvs[tag] = value
        pos += 4 + length
    return tlvs


def int_value(value: int, size: int) -> bytes:
    """An unsigned integer TLV value (u8, u16, ...)."""
    try:
        return value.to_bytes(size, "big")
    except OverflowError:
        raise LocalProtocolError(f"TLV value {value} does not fit {size} bytes") from None


def cstr_value(value: str) -> bytes:
    """A C-octet-string TLV value, e.g. receipted_message_id."""
    try:
        return value.encode("ascii") + b"\x00"
    except UnicodeEncodeError:
        raise LocalProtocolError(f"TLV value {value!r} is not ASCII") from None


class OptionalParams:
    """Typed read access to the ``tlvs`` mapping of a PDU; None when absent."""

    __slots__ = ()
    tlvs: Mapping[int, bytes]

    def _int(self, tag: Tag) -> int | None:
        raw = self.tlvs.get(tag)
        return None if raw is None else int.from_bytes(raw, "big")

    @property
    def receipted_message_id(self) -> str | None:
        raw = self.tlvs.get(Tag.RECEIPTED_MESSAGE_ID)
        # Some SMSCs omit the NUL the spec asks for; take what is there.
        return None if raw is None else raw.split(b"\x00", 1)[0].decode("latin-1")

    @property
    def message_state(self) -> int | None:
        return self._int(Tag.MESSAGE_STATE)

    @property
    def network_error_code(self) -> tuple[int, int] | None:
        """(network type, error code): 1 ANSI-136, 2 IS-95, 3 GSM, ..."""
        raw = self.tlvs.get(Tag.NETWORK_ERROR_CODE)
        return None if raw is None else (raw[0], int.from_bytes(raw[1:], "big"))

    @property
    def sar_msg_ref_num(self) -> int | None:
        return self._int(Tag.SAR_MSG_REF_NUM)

    @property
    def sar_total_segments(self) -> int | None:
        return self._int(Tag.SAR_TOTAL_SEGMENTS)

    @property
    def sar_segment_seqnum(self) -> int | None:
        return self._int(Tag.SAR_SEGMENT_SEQNUM)

    @property
    def message_payload(self) -> bytes | None:
        return self.tlvs.get(Tag.MESSAGE_PAYLOAD)

    @property
    def user_message_reference(self) -> int | None:
        return self._int(Tag.USER_MESSAGE_REFERENCE)

    @property
    def sc_interface_version(self) -> int | None:
        return self._int(Tag.SC_INTERFACE_VERSION)
