"""Fixed-width field helpers shared by the binary codecs."""

from __future__ import annotations

from hisms.carrier.errors import LocalProtocolError


def pad(value: str | bytes, width: int, encoding: str = "ascii") -> bytes:
    """A fixed-width field: the value NUL-padded on the right; too long is our bug."""
    raw = value.encode(encoding) if isinstance(value, str) else value
    if len(raw) > width:
        raise LocalProtocolError(f"field value {raw!r} longer than {width} bytes")
    return raw.ljust(width, b"\x00")


def unpad(raw: bytes, encoding: str = "ascii") -> str:
    """A fixed-width field's text: real gateways pad with NULs and/or spaces."""
    return raw.split(b"\x00", 1)[0].decode(encoding, errors="replace").strip()
