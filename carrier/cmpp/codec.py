"""Encoding and decoding CMPP PDUs for one protocol version (no I/O).

The version (0x20 or 0x30) comes from the channel's configuration and never
from the peer's reply. :class:`CmppCodec` is the :class:`~hisms.carrier.connection.Codec`
that plugs CMPP into the shared sans-IO connection. Anything malformed the peer
sends raises :class:`RemoteProtocolError` and nothing else.
"""

from __future__ import annotations

import struct
from typing import Any

from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.layouts import (
    HEADER_LENGTH,
    LAYOUTS,
    MAX_LENGTH,
    Content,
    Ids,
    Int,
    Layout,
    Raw,
    Text,
)
from hisms.carrier.cmpp.pdus import COMMAND_IDS, PDU_TYPES, Pdu
from hisms.carrier.connection import Kind
from hisms.carrier.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.fields import pad, unpad

_HEADER = struct.Struct(">III")


class CmppCodec:
    min_length = HEADER_LENGTH
    max_length = MAX_LENGTH

    def __init__(self, version: int) -> None:
        if version not in LAYOUTS:
            raise ValueError(f"unsupported CMPP version 0x{version:02x}")
        self.version = version
        self._layouts = LAYOUTS[version]

    def encode(self, pdu: Pdu) -> bytes:
        body = bytearray()
        for name, field in self._layouts[type(pdu)]:
            value = getattr(pdu, name) if name else None
            try:
                _write(body, field, value)
            except (ValueError, OverflowError, TypeError) as exc:
                raise LocalProtocolError(f"{type(pdu).__name__}.{name}: {exc}") from exc
        header = _HEADER.pack(HEADER_LENGTH + len(body), COMMAND_IDS[type(pdu)], pdu.sequence_id)
        return header + body

    def decode(self, frame: bytes) -> Pdu:
        if len(frame) < HEADER_LENGTH:
            raise RemoteProtocolError(f"PDU of {len(frame)} bytes is shorter than its header")
        length, command_id, sequence_id = _HEADER.unpack_from(frame)
        if length != len(frame):
            raise RemoteProtocolError(f"Total_Length {length} but {len(frame)} bytes")
        cls = PDU_TYPES.get(command_id)
        if cls is None:
            raise RemoteProtocolError(f"unknown Command_Id 0x{command_id:08x}")
        body = frame[HEADER_LENGTH:]
        if cls is pdus.ActiveTestResp and not body:
            return pdus.ActiveTestResp(sequence_id)  # some gateways omit the reserved byte
        values = _read_body(body, self._layouts[cls], cls.__name__)
        pdu: Pdu = cls(sequence_id=sequence_id, **values)
        return pdu

    def kind(self, pdu: Pdu) -> Kind:
        if isinstance(pdu, pdus.ConnectResp):
            return Kind.LOGIN_OK if pdu.status == 0 else Kind.LOGIN_FAILED
        return _KINDS.get(type(pdu), Kind.OTHER)


_KINDS: dict[type, Kind] = {
    pdus.Connect: Kind.LOGIN,
    pdus.Terminate: Kind.LOGOUT,
    pdus.TerminateResp: Kind.LOGOUT_RESP,
}


def _write(out: bytearray, field: Any, value: Any) -> None:
    if isinstance(field, Int):
        out += value.to_bytes(field.size, "big")
    elif isinstance(field, Text):
        out += pad(value, field.size)
    elif isinstance(field, Raw):
        out += pad(value or b"", field.size)
    elif isinstance(field, Ids):
        out.append(len(value))
        for number in value:
            out += pad(number, field.size)
    else:
        out.append(len(value))
        out += value


def _read_body(body: bytes, layout: Layout, name: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    offset = 0
    for attr, field in layout:
        value, offset = _read(body, offset, field, name)
        if attr:
            values[attr] = value
    if offset != len(body):
        raise RemoteProtocolError(f"{name} body is {len(body)} bytes, its fields take {offset}")
    return values


def _read(body: bytes, offset: int, field: Any, name: str) -> tuple[Any, int]:
    if isinstance(field, Ids):
        count = _take(body, offset, 1, name)[0]
        raw = _take(body, offset + 1, count * field.size, name)
        ids = tuple(unpad(raw[i : i + field.size]) for i in range(0, len(raw), field.size))
        return ids, offset + 1 + len(raw)
    if isinstance(field, Content):
        length = _take(body, offset, 1, name)[0]
        return _take(body, offset + 1, length, name), offset + 1 + length
    raw = _take(body, offset, field.size, name)
    if isinstance(field, Int):
        return int.from_bytes(raw, "big"), offset + field.size
    if isinstance(field, Text):
        return unpad(raw), offset + field.size
    return raw, offset + field.size


def _take(body: bytes, offset: int, size: int, name: str) -> bytes:
    if offset + size > len(body):
        raise RemoteProtocolError(f"{name} body truncated at byte {offset} ({len(body)} bytes)")
    return body[offset : offset + size]
