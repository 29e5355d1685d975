"""Declarative PDU body layouts for the fixed-field carrier protocols (no I/O).

A layout is a tuple of ``(attribute, field)`` pairs in wire order, as the
spec's tables list them; ``None`` as the attribute marks a reserved field,
written as NULs and ignored on receive. :func:`decode_body` and
:func:`encode_body` walk a layout: a body that runs short or has bytes left
over is the peer's fault (:class:`RemoteProtocolError`), a value that does not
fit its field is ours (:class:`LocalProtocolError`).

SGIP and SMGP share this module; it is generic and belongs next to
``carrier/fields.py`` once that module's owner takes it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hisms.carrier import udh
from hisms.carrier.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.fields import pad, unpad


@dataclass(frozen=True, slots=True)
class Int:
    size: int  # 1, 2 or 4 bytes, big-endian unsigned


@dataclass(frozen=True, slots=True)
class Text:
    size: int  # fixed width, NUL padded; NULs and spaces stripped on receive


@dataclass(frozen=True, slots=True)
class Raw:
    size: int  # fixed-width bytes taken as they are (authenticators, message ids)


@dataclass(frozen=True, slots=True)
class Ids:
    size: int  # a u8 count, then that many fixed-width numbers


@dataclass(frozen=True, slots=True)
class Content:
    prefix: int  # width of the length prefix (1 or 4), then that many bytes


@dataclass(frozen=True, slots=True)
class Packed:
    """A fixed-width value with its own pack/unpack (e.g. SGIP's 12-byte sequence)."""

    size: int
    unpack: Callable[[bytes], Any]
    pack: Callable[[Any], bytes]


@dataclass(frozen=True, slots=True)
class Rest:
    """Whatever follows the fixed part (SMGP's TLVs); must come last."""

    unpack: Callable[[bytes], Any]
    pack: Callable[[Any], bytes]


Field = Int | Text | Raw | Ids | Content | Packed | Rest
Layout = tuple[tuple[str | None, Field], ...]
_INTS = {1: ">B", 2: ">H", 4: ">I"}


class Reader:
    """Bounds-checked reads from one PDU body."""

    def __init__(self, data: bytes, what: str) -> None:
        self._data = data
        self._pos = 0
        self._what = what

    def take(self, n: int) -> bytes:
        if self._pos + n > len(self._data):
            have = len(self._data) - self._pos
            raise RemoteProtocolError(f"{self._what} truncated: need {n} bytes, have {have}")
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def int(self, size: int) -> int:
        (value,) = struct.unpack(_INTS[size], self.take(size))
        return int(value)

    def rest(self) -> bytes:
        return self.take(len(self._data) - self._pos)

    def end(self) -> None:
        if self._pos != len(self._data):
            extra = len(self._data) - self._pos
            raise RemoteProtocolError(f"{self._what} has {extra} unexpected trailing bytes")


def decode_body(body: bytes, layout: Layout, what: str) -> dict[str, Any]:
    reader = Reader(body, what)
    values = {}
    for name, field in layout:
        value = _read(reader, field)
        if name is not None:
            values[name] = value
    reader.end()
    return values


def encode_body(pdu: object, layout: Layout) -> bytes:
    out = bytearray()
    for name, field in layout:
        value = getattr(pdu, name) if name else None
        try:
            out += _write(field, value)
        except (struct.error, ValueError, TypeError, OverflowError) as exc:
            raise LocalProtocolError(f"{type(pdu).__name__}.{name}: {exc}") from exc
    return bytes(out)


def _read(reader: Reader, field: Field) -> Any:
    match field:
        case Int(size):
            return reader.int(size)
        case Text(size):
            return unpad(reader.take(size))
        case Raw(size):
            return reader.take(size)
        case Ids(size):
            return tuple(unpad(reader.take(size)) for _ in range(reader.int(1)))
        case Content(prefix):
            return reader.take(reader.int(prefix))
        case Packed(size, unpack, _):
            return unpack(reader.take(size))
        case Rest(unpack, _):
            return unpack(reader.rest())


def _write(field: Field, value: Any) -> bytes:
    match field:
        case Int(size):
            return struct.pack(_INTS[size], value or 0)
        case Text(size):
            return pad(value or "", size)
        case Raw(size):
            return _exact(value or bytes(size), size)
        case Ids(size):
            return struct.pack(">B", len(value)) + b"".join(pad(v, size) for v in value)
        case Content(prefix):
            return struct.pack(_INTS[prefix], len(value)) + bytes(value)
        case Packed(size, _, pack):
            return _exact(pack(value), size)
        case Rest(_, pack):
            return bytes(pack(value))


def _exact(raw: bytes, size: int) -> bytes:
    if len(raw) != size:
        raise ValueError(f"{len(raw)} bytes where exactly {size} are required")
    return raw


def udhi_set(flag: int) -> bool:
    """TP_udhi: the spec's right-aligned bit, or 0x40 as SMPP peers send it.

    See docs/protocols.md#q2.
    """
    return bool(flag & 0x41)


def split_content(content: bytes, udhi: int) -> tuple[udh.Concat | None, bytes]:
    """Concatenation info and the text bytes of a message content."""
    return udh.split(content) if udhi_set(udhi) else (None, content)
