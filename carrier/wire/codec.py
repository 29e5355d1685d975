"""The :class:`~hisms.carrier.wire.connection.Codec` of the fixed-field protocols (no I/O).

A CMPP, SGIP or SMGP PDU is a u32 length (itself included), a u32 command,
the rest of the protocol's header (CMPP and SMGP: a u32 sequence; SGIP: its
12-byte sequence) and a body. Header and body are one layout (:mod:`.fields`),
so a PDU's dataclass holds both. Anything malformed the peer sends raises
:class:`RemoteProtocolError` and nothing else; a PDU we cannot encode raises
:class:`LocalProtocolError`. Bytes after a complete body are malformed too,
unless the codec is built with ``trailing_ok`` (SGIP: go_sgip pads its
UNBIND_RESP); those are ignored and logged once per process and PDU type.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from hisms.carrier.wire import layout
from hisms.carrier.wire.connection import Kind, Kinds
from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.wire.fields import Int, Layout, Packed

log = logging.getLogger("hisms.carrier")

P = TypeVar("P")
_PREFIX = struct.Struct(">II")  # length, command
_NOTED: set[str] = set()  # PDU types whose trailing bytes were logged (once per process)


@dataclass(frozen=True, slots=True)
class Words:
    """The spec's names, so that errors read like the spec."""

    protocol: str  # "CMPP"
    length: str  # "Total_Length"
    command: str  # "Command_Id"


class LayoutCodec(Generic[P]):
    def __init__(
        self,
        words: Words,
        header: tuple[tuple[str, Int | Packed], ...],
        layouts: Mapping[type, Layout],
        commands: Mapping[type, int],
        kinds: Kinds,
        max_length: int,
        *,
        trailing_ok: bool = False,
    ) -> None:
        self.words = words
        self.trailing_ok = trailing_ok
        self.min_length = _PREFIX.size + sum(field.size for _, field in header)
        self.max_length = max_length
        self._kinds = kinds
        self._layouts = {cls: layout.compile_layout(header + body) for cls, body in layouts.items()}
        self._what = {cls: f"{words.protocol} {cls.__name__}" for cls in layouts}
        self._commands = dict(commands)
        self._types = {command: cls for cls, command in commands.items()}

    def encode(self, pdu: P) -> bytes:
        compiled = self._layouts.get(type(pdu))
        if compiled is None:
            raise LocalProtocolError(f"not a {self.words.protocol} PDU: {type(pdu).__name__}")
        body = layout.encode(pdu, compiled)
        return _PREFIX.pack(_PREFIX.size + len(body), self._commands[type(pdu)]) + body

    def decode(self, frame: bytes) -> P:
        words = self.words
        if len(frame) < self.min_length:
            raise RemoteProtocolError(
                f"{words.protocol} PDU of {len(frame)} bytes is shorter than its header"
            )
        length, command = _PREFIX.unpack_from(frame)
        if length != len(frame):
            raise RemoteProtocolError(f"{words.length} {length} but {len(frame)} bytes")
        cls = self._types.get(command)
        if cls is None:
            raise RemoteProtocolError(f"unknown {words.protocol} {words.command} 0x{command:08x}")
        pdu: P = cls(**self._values(frame, cls))
        return pdu

    def kind(self, pdu: P) -> Kind:
        return self._kinds(pdu)

    def _values(self, frame: bytes, cls: type) -> dict[str, object]:
        compiled, what = self._layouts[cls], self._what[cls]
        if not self.trailing_ok:
            return layout.decode(frame, _PREFIX.size, compiled, what)
        values, end = layout.decode_prefix(frame, _PREFIX.size, compiled, what)
        if end < len(frame) and what not in _NOTED:
            _NOTED.add(what)
            log.warning(
                "%s with %d trailing bytes after its fields: ignored (logged once per process)",
                what,
                len(frame) - end,
            )
        return values
