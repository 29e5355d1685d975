"""Packing and unpacking a PDU by its layout (no I/O).

:func:`compile_layout` turns a layout (:mod:`.fields`) into pieces: each run of
fixed-width fields (Int, Text, Raw) is packed and unpacked by one
``struct.Struct`` (every SUBMIT, answer and report goes through here), the
variable fields between runs one by one. A run the fast path cannot handle is
redone field by field, which also words the error. A body that runs short or
has bytes left over (unless the codec tolerates them: :func:`decode_prefix`) is
the peer's fault (:class:`RemoteProtocolError`), a value
that does not fit its field is ours (:class:`LocalProtocolError`).
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.wire.fields import (
    Content,
    Field,
    Ids,
    Int,
    Layout,
    Packed,
    Raw,
    Rest,
    Text,
    pad,
    unpad,
)

_Fixed = Int | Text | Raw
_STRUCT_CODES = {1: "B", 2: "H", 4: "I", 8: "Q"}
_WRITE_ERRORS = (struct.error, ValueError, TypeError, OverflowError)


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive fixed-width fields: one struct, the attribute getter, and the
    positions of the byte fields, which must be encoded and checked."""

    layout: tuple[tuple[str | None, _Fixed], ...]
    struct: struct.Struct
    get: Callable[[Any], tuple[Any, ...]]
    names: tuple[str | None, ...]
    reserved: tuple[int, ...]  # positions of the fields without an attribute
    texts: tuple[tuple[int, int], ...]  # (position, size) of Text fields (padded, unpadded)
    raws: tuple[tuple[int, int], ...]  # (position, size) of Raw fields (exact width)
    named_texts: tuple[tuple[int, str], ...]  # (position, attribute) of Text fields to unpad


_Piece = _Run | tuple[str | None, Field]
Compiled = tuple[_Piece, ...]


def compile_layout(layout: Layout) -> Compiled:
    pieces: list[_Piece | list[tuple[str | None, _Fixed]]] = []
    for attr, field in layout:
        if not isinstance(field, _Fixed):
            pieces.append((attr, field))
        elif pieces and isinstance(pieces[-1], list):
            pieces[-1].append((attr, field))
        else:
            pieces.append([(attr, field)])
    return tuple(_run(tuple(p)) if isinstance(p, list) else p for p in pieces)


def _run(layout: tuple[tuple[str | None, _Fixed], ...]) -> _Run:
    codes = [_STRUCT_CODES[f.size] if isinstance(f, Int) else f"{f.size}s" for _, f in layout]
    # reserved fields (no attribute) read the class name: replaced by b"" when packing
    get = operator.attrgetter(*(attr or "__class__" for attr, _ in layout), "__class__")
    reserved = tuple(i for i, (attr, _) in enumerate(layout) if attr is None)
    texts = tuple((i, f.size) for i, (_, f) in enumerate(layout) if isinstance(f, Text))
    raws = tuple((i, f.size) for i, (_, f) in enumerate(layout) if isinstance(f, Raw))
    named_texts = tuple((i, a) for i, (a, f) in enumerate(layout) if a and isinstance(f, Text))
    names = tuple(attr for attr, _ in layout)
    return _Run(
        layout, struct.Struct(">" + "".join(codes)), get, names, reserved, texts, raws, named_texts
    )


# -- encoding ---------------------------------------------------------------


def encode(pdu: object, compiled: Compiled) -> bytearray:
    out = bytearray()
    for piece in compiled:
        if isinstance(piece, _Run):
            _pack(out, piece, pdu)
        else:
            _write_field(out, pdu, *piece)
    return out


def _pack(out: bytearray, run: _Run, pdu: object) -> None:
    values = list(run.get(pdu))[:-1]
    try:
        for i in run.reserved:
            values[i] = b""
        for i, size in run.texts:  # struct would cut a long value short: refuse it
            if isinstance(values[i], str):
                values[i] = values[i].encode("ascii")
            if len(values[i]) > size:
                raise ValueError  # the field-by-field path says which and why
        for i, size in run.raws:
            values[i] = values[i] or bytes(size)
            if len(values[i]) != size:
                raise ValueError
        out += run.struct.pack(*values)
    except (*_WRITE_ERRORS, AttributeError):
        for attr, field in run.layout:
            _write_field(out, pdu, attr, field)


def _write_field(out: bytearray, pdu: object, name: str | None, field: Field) -> None:
    value = getattr(pdu, name) if name else None
    try:
        _write(out, field, value)
    except _WRITE_ERRORS as exc:
        raise LocalProtocolError(f"{type(pdu).__name__}.{name}: {exc}") from exc


def _write(out: bytearray, field: Field, value: Any) -> None:
    # isinstance and appending in place: this runs for every variable field we send
    if isinstance(field, Content):
        out += len(value).to_bytes(field.prefix, "big")
        out += value
    elif isinstance(field, Ids):
        if not field.least <= len(value) <= field.most:
            raise ValueError(f"{len(value)} numbers, not {field.least}..{field.most}")
        out.append(len(value))
        for number in value:
            out += pad(number, field.size)
    elif isinstance(field, Int):
        out += int(value or 0).to_bytes(field.size, "big")
    elif isinstance(field, Text):
        out += pad(value or "", field.size)
    elif isinstance(field, Raw):
        out += _exact(value or bytes(field.size), field.size)
    elif isinstance(field, Packed):
        out += _exact(field.pack(value), field.size)
    else:
        out += field.pack(value)


def _exact(raw: bytes, size: int) -> bytes:
    if len(raw) != size:
        raise ValueError(f"{len(raw)} bytes where exactly {size} are required")
    return raw


# -- decoding ---------------------------------------------------------------


def decode(data: bytes, offset: int, compiled: Compiled, what: str) -> dict[str, Any]:
    """The attribute values in ``data[offset:]``, which the layout must take exactly."""
    values, end = decode_prefix(data, offset, compiled, what)
    if end != len(data):
        raise RemoteProtocolError(f"{what} has {len(data) - end} unexpected trailing bytes")
    return values


def decode_prefix(
    data: bytes, offset: int, compiled: Compiled, what: str
) -> tuple[dict[str, Any], int]:
    """The attribute values the layout takes from ``data[offset:]``, and where they end."""
    values: dict[Any, Any] = {}  # str keys, and None for the runs' reserved fields
    for piece in compiled:
        if isinstance(piece, _Run):
            offset = _unpack(data, offset, piece, what, values)
            continue
        attr, field = piece
        value, offset = _read(data, offset, field, what)
        if attr:
            values[attr] = value
    values.pop(None, None)
    return values, offset


def _unpack(data: bytes, offset: int, run: _Run, what: str, values: dict[str | None, Any]) -> int:
    try:
        raw = run.struct.unpack_from(data, offset)
    except struct.error:
        for _, field in run.layout:  # raises, saying where the body ends
            _, offset = _read(data, offset, field, what)
        raise RemoteProtocolError(f"{what} truncated at byte {offset}") from None
    values.update(zip(run.names, raw, strict=True))
    for i, attr in run.named_texts:
        values[attr] = unpad(raw[i])
    return offset + run.struct.size


def _read(data: bytes, offset: int, field: Field, what: str) -> tuple[Any, int]:
    # isinstance, not match: this runs for every variable field we receive
    if isinstance(field, Content):
        start = offset + field.prefix
        length = int.from_bytes(_take(data, offset, field.prefix, what), "big")
        return _take(data, start, length, what), start + length
    if isinstance(field, Ids):
        count = _take(data, offset, 1, what)[0]
        raw = _take(data, offset + 1, count * field.size, what)
        ids = tuple(unpad(raw[i : i + field.size]) for i in range(0, len(raw), field.size))
        return ids, offset + 1 + len(raw)
    if isinstance(field, Rest):
        return field.unpack(data[offset:]), len(data)
    raw = _take(data, offset, field.size, what)
    if isinstance(field, Int):
        return int.from_bytes(raw, "big"), offset + field.size
    if isinstance(field, Text):
        return unpad(raw), offset + field.size
    if isinstance(field, Packed):
        return field.unpack(raw), offset + field.size
    return raw, offset + field.size


def _take(data: bytes, offset: int, size: int, what: str) -> bytes:
    if offset + size > len(data):
        have = max(len(data) - offset, 0)
        raise RemoteProtocolError(f"{what} truncated at byte {offset}: need {size}, have {have}")
    return data[offset : offset + size]
