"""Encoding and decoding SMPP 3.4 PDUs, and the :class:`Codec` for Connection.

Every problem in received bytes is a :class:`RemoteProtocolError`; when the
header could be read it is an :class:`UndecodablePdu` carrying the sequence
number and the status to put in the generic_nack the session should answer.
Every field we cannot encode is a :class:`LocalProtocolError`.
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass
from typing import Any

from hisms.carrier.smpp.pdus import (
    CLASSES,
    TLV_SIZES,
    Bind,
    BindResp,
    OptionalParams,
    Pdu,
    Response,
    ShortMessagePdu,
    Status,
    Unbind,
    UnbindResp,
)
from hisms.carrier.wire import tlv
from hisms.carrier.wire.connection import Connection, Kinds, NeedData
from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError

HEADER = struct.Struct(">IIII")  # command_length, command_id, command_status, sequence_number
MAX_SHORT_MESSAGE = 254  # spec 3.2.3; longer text goes in message_payload
# message_payload may carry up to 64 KiB; nothing legitimate is bigger.
MAX_PDU_LENGTH = 70_000


class UndecodablePdu(RemoteProtocolError):
    """A PDU with a readable header but an unknown command or a malformed body."""

    def __init__(self, message: str, sequence_number: int, status: int) -> None:
        super().__init__(message)
        self.sequence_number = sequence_number
        self.status = status


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    wire: str  # "cstr", "u8" or "sm"
    max: int = 0
    default: Any = None


def _fields_of(cls: type[Pdu]) -> tuple[_Field, ...]:
    return tuple(
        _Field(f.name, f.metadata["wire"], f.metadata.get("max", 0), f.default)
        for f in dataclasses.fields(cls)
        if "wire" in f.metadata
    )


_LAYOUTS = {cls: _fields_of(cls) for cls in CLASSES.values()}


# -- encoding ---------------------------------------------------------------


def encode(pdu: Pdu) -> bytes:
    body = b"" if _omit_body(pdu) else _encode_body(pdu)
    status = pdu.command_status if isinstance(pdu, Response) else 0
    try:
        header = HEADER.pack(HEADER.size + len(body), pdu.command_id, status, pdu.sequence_number)
    except struct.error:
        raise LocalProtocolError(f"header value out of range in {pdu!r}") from None
    return header + body


def _omit_body(pdu: Pdu) -> bool:
    """Spec 4.1.2, 4.4.2: an error response carries no body."""
    if not isinstance(pdu, Response) or pdu.command_status == Status.ROK:
        return False
    defaults = all(getattr(pdu, f.name) == f.default for f in _LAYOUTS[type(pdu)])
    return defaults and not (isinstance(pdu, OptionalParams) and pdu.tlvs)


def _encode_body(pdu: Pdu) -> bytes:
    fields = b"".join(_encode_field(f, getattr(pdu, f.name)) for f in _LAYOUTS[type(pdu)])
    if not isinstance(pdu, OptionalParams):
        return fields
    if isinstance(pdu, ShortMessagePdu) and pdu.short_message and pdu.message_payload is not None:
        raise LocalProtocolError("short_message and message_payload must not both be set")
    return fields + tlv.build(pdu.tlvs.items())


def _encode_field(f: _Field, value: Any) -> bytes:
    if f.wire == "u8":
        if not 0 <= value <= 0xFF:
            raise LocalProtocolError(f"{f.name}={value} does not fit one octet")
        return bytes((value,))
    if f.wire == "sm":
        if len(value) > MAX_SHORT_MESSAGE:
            raise LocalProtocolError(f"short_message of {len(value)} octets; use message_payload")
        return bytes((len(value),)) + bytes(value)
    return _encode_cstr(f, value)


def _encode_cstr(f: _Field, value: str) -> bytes:
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raise LocalProtocolError(f"{f.name}={value!r} is not a single-byte string") from None
    if b"\x00" in raw or len(raw) + 1 > f.max:
        raise LocalProtocolError(f"{f.name}={value!r} needs at most {f.max - 1} bytes, no NUL")
    return raw + b"\x00"


# -- decoding ---------------------------------------------------------------


def decode(frame: bytes) -> Pdu:
    """The PDU in ``frame``, a whole PDU including its command_length."""
    if len(frame) < HEADER.size:
        raise RemoteProtocolError(f"PDU of {len(frame)} bytes is shorter than its header")
    length, command_id, status, seq = HEADER.unpack_from(frame)
    if length != len(frame):
        raise UndecodablePdu(f"command_length {length} != {len(frame)}", seq, Status.RINVCMDLEN)
    cls = CLASSES.get(command_id)
    if cls is None:
        raise UndecodablePdu(f"unknown command_id 0x{command_id:08X}", seq, Status.RINVCMDID)
    try:
        values = _decode_body(cls, frame[HEADER.size :])
    except RemoteProtocolError as exc:
        raise UndecodablePdu(f"{cls.__name__}: {exc}", seq, Status.RINVCMDLEN) from None
    if issubclass(cls, Response):
        values["command_status"] = status
    return cls(sequence_number=seq, **values)


def _decode_body(cls: type[Pdu], body: bytes) -> dict[str, Any]:
    reader = _Reader(body)
    values: dict[str, Any] = {}
    for f in _LAYOUTS[cls]:
        # Error responses (and some lazy SMSCs) stop the body early.
        if reader.at_end and issubclass(cls, Response):
            break
        values[f.name] = reader.read(f)
    rest = reader.rest()
    if issubclass(cls, OptionalParams):
        values["tlvs"] = dict(tlv.parse(rest, TLV_SIZES))
    elif rest:
        raise RemoteProtocolError(f"{len(rest)} unexpected bytes after the body")
    return values


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def at_end(self) -> bool:
        return self._pos >= len(self._data)

    def rest(self) -> bytes:
        return self._data[self._pos :]

    def read(self, f: _Field) -> Any:
        if f.wire == "u8":
            return self._octets(1, f.name)[0]
        if f.wire == "sm":
            return self._octets(self._octets(1, "sm_length")[0], f.name)
        return self._cstr(f)

    def _octets(self, n: int, name: str) -> bytes:
        chunk = self._data[self._pos : self._pos + n]
        if len(chunk) != n:
            raise RemoteProtocolError(f"body ends inside {name}")
        self._pos += n
        return chunk

    def _cstr(self, f: _Field) -> str:
        end = self._data.find(b"\x00", self._pos, self._pos + f.max)
        if end < 0:
            raise RemoteProtocolError(f"{f.name}: no NUL within {f.max} bytes")
        raw = self._data[self._pos : end]
        self._pos = end + 1
        return raw.decode("latin-1")


# -- the Connection plug-in -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A PDU whose header was readable but whose command or body was not."""

    sequence_number: int
    status: int
    reason: str


class SmppConnection(Connection[Any]):
    """A Connection that hands an undecodable PDU back as :class:`Undecodable`
    instead of raising, so the session answers it with generic_nack (spec 2.3)
    and keeps the link: the frame is consumed and the state left as it was."""

    def next_event(self) -> Pdu | Undecodable | NeedData:
        try:
            event: Pdu | NeedData = super().next_event()
        except UndecodablePdu as exc:
            return Undecodable(exc.sequence_number, exc.status, str(exc))
        return event


class SmppCodec:
    """Frames and classifies SMPP PDUs for :class:`hisms.carrier.wire.connection.Connection`."""

    min_length = HEADER.size

    def __init__(self, max_length: int = MAX_PDU_LENGTH) -> None:
        self.max_length = max_length

    def decode(self, frame: bytes) -> Pdu:
        return decode(frame)

    def encode(self, pdu: Pdu) -> bytes:
        return encode(pdu)

    kind = Kinds(Bind, BindResp, "command_status", Unbind, UnbindResp)
