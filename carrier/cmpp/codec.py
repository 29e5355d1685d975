"""Encoding and decoding CMPP PDUs for one protocol version (no I/O).

The version (0x20 or 0x30) comes from the channel's configuration and never
from the peer's reply. :class:`CmppCodec` is the :class:`~hisms.carrier.connection.Codec`
that plugs CMPP into the shared sans-IO connection. Anything malformed the peer
sends raises :class:`RemoteProtocolError` and nothing else.

Each run of fixed-width fields in a layout is packed and unpacked by one
``struct.Struct`` (every SUBMIT, answer and report goes through here); a run
the fast path cannot handle is done field by field, which also words the error.
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable
from dataclasses import dataclass
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
        self._layouts = {cls: _compile(layout) for cls, layout in LAYOUTS[version].items()}

    def encode(self, pdu: Pdu) -> bytes:
        body = bytearray()
        for piece in self._layouts[type(pdu)]:
            if isinstance(piece, _Run):
                _pack(body, piece, pdu)
            else:
                _write_field(body, pdu, *piece)
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
_INT, _TEXT, _RAW = 0, 1, 2
_KIND_OF: dict[type, int] = {Int: _INT, Text: _TEXT, Raw: _RAW}
_STRUCT_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive fixed-width fields: one struct, each field's (attribute, kind, size), and
    the positions and widths of the byte fields, which must be encoded and checked."""

    layout: Layout
    fields: tuple[tuple[str | None, int, int], ...]
    struct: struct.Struct
    get: Callable[[Any], tuple[Any, ...]]
    strings: tuple[tuple[int, int], ...]


_Piece = _Run | tuple[str | None, Any]


def _compile(layout: Layout) -> tuple[_Piece, ...]:
    pieces: list[_Piece | list[tuple[str | None, Any]]] = []
    for attr, field in layout:
        if not isinstance(field, Int | Text | Raw):
            pieces.append((attr, field))
        elif pieces and isinstance(pieces[-1], list):
            pieces[-1].append((attr, field))
        else:
            pieces.append([(attr, field)])
    return tuple(_run(tuple(p)) if isinstance(p, list) else p for p in pieces)


def _run(layout: Layout) -> _Run:
    codes = [_STRUCT_CODES[f.size] if isinstance(f, Int) else f"{f.size}s" for _, f in layout]
    fields = tuple((attr, _KIND_OF[type(f)], f.size) for attr, f in layout)
    # reserved fields (no attribute) read the class name: replaced by b"" as strings below
    get = operator.attrgetter(*(attr or "__class__" for attr, _ in layout), "__class__")
    strings = tuple((i, size) for i, (_, kind, size) in enumerate(fields) if kind != _INT)
    return _Run(layout, fields, struct.Struct(">" + "".join(codes)), get, strings)


def _pack(out: bytearray, run: _Run, pdu: Pdu) -> None:
    values = list(run.get(pdu))[:-1]
    try:
        for i, size in run.strings:
            value = values[i]
            if run.fields[i][0] is None:
                value = b""
            elif isinstance(value, str):
                value = value.encode("ascii")
            if len(value or b"") > size:
                raise ValueError  # the field-by-field path says which and why
            values[i] = value or b""
        out += run.struct.pack(*values)
    except (ValueError, TypeError, struct.error):
        for attr, field in run.layout:
            _write_field(out, pdu, attr, field)


def _write_field(out: bytearray, pdu: Pdu, name: str | None, field: Any) -> None:
    value = getattr(pdu, name) if name else None
    try:
        _write(out, field, value)
    except (ValueError, OverflowError, TypeError) as exc:
        raise LocalProtocolError(f"{type(pdu).__name__}.{name}: {exc}") from exc


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


def _read_body(body: bytes, layout: tuple[_Piece, ...], name: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    offset = 0
    for piece in layout:
        if isinstance(piece, _Run):
            offset = _unpack(body, offset, piece, name, values)
            continue
        attr, field = piece
        value, offset = _read(body, offset, field, name)
        if attr:
            values[attr] = value
    if offset != len(body):
        raise RemoteProtocolError(f"{name} body is {len(body)} bytes, its fields take {offset}")
    return values


def _unpack(body: bytes, offset: int, run: _Run, name: str, values: dict[str, Any]) -> int:
    try:
        raw = run.struct.unpack_from(body, offset)
    except struct.error:
        for _, field in run.layout:  # raises, saying where the body ends
            _, offset = _read(body, offset, field, name)
        raise RemoteProtocolError(f"{name} body truncated at byte {offset}") from None
    for (attr, kind, _), value in zip(run.fields, raw, strict=True):
        if attr:
            values[attr] = unpad(value) if kind == _TEXT else value
    return offset + run.struct.size


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
