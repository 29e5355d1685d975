"""The field types of the fixed-field protocols (CMPP, SGIP, SMGP), and their padding.

A body layout (:mod:`.layout`) is a tuple of ``(attribute, field)`` pairs in
wire order, as the spec's tables list them; ``None`` as the attribute marks a
reserved field, written as NULs and ignored on receive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hisms.carrier.wire.errors import LocalProtocolError


@dataclass(frozen=True, slots=True)
class Int:
    size: int  # 1, 2, 4 or 8 bytes, big-endian unsigned


@dataclass(frozen=True, slots=True)
class Text:
    size: int  # fixed width, NUL padded; NULs and spaces stripped on receive


@dataclass(frozen=True, slots=True)
class Raw:
    size: int  # exactly this many bytes, taken as they are (authenticators, message ids)


@dataclass(frozen=True, slots=True)
class Ids:
    """A u8 count, then that many fixed-width numbers; we send ``least``..``most``."""

    size: int
    least: int = 0
    most: int = 255


@dataclass(frozen=True, slots=True)
class Content:
    prefix: int = 1  # width of the length prefix (1 or 4), then that many bytes


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
U8, U16, U32, U64 = Int(1), Int(2), Int(4), Int(8)


def pad(value: str | bytes, width: int, encoding: str = "ascii") -> bytes:
    """A fixed-width field: the value NUL-padded on the right; too long is our bug."""
    raw = value.encode(encoding) if isinstance(value, str) else value
    if len(raw) > width:
        raise LocalProtocolError(f"field value {raw!r} longer than {width} bytes")
    return raw.ljust(width, b"\x00")


def unpad(raw: bytes, encoding: str = "ascii") -> str:
    """A fixed-width field's text: real gateways pad with NULs and/or spaces."""
    return raw.split(b"\x00", 1)[0].decode(encoding, errors="replace").strip()
