"""Encoding and decoding SGIP 1.2 PDUs (no I/O).

:class:`SgipCodec` is the :class:`~hisms.carrier.connection.Codec` that plugs
SGIP into the shared sans-IO connection, for both of the SP's links: the one it
opens to submit and the one the SMG opens to deliver and report. The header is
Message Length u32, Command ID u32 and the 12-byte sequence (spec 4.2.2); the
body layouts follow spec tables 4-15 to 4-22. Anything malformed the peer sends
raises :class:`RemoteProtocolError` and nothing else.
"""

from __future__ import annotations

import struct

from hisms.carrier.connection import Kind
from hisms.carrier.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.pdus import COMMAND_IDS, PDU_TYPES, Pdu
from hisms.carrier.sgip.sequence import Sequence
from hisms.carrier.sgip.wire import (
    Content,
    Ids,
    Int,
    Layout,
    Packed,
    Text,
    decode_body,
    encode_body,
)

HEADER_LENGTH = 20
MAX_LENGTH = 8192  # a 100-recipient SUBMIT is about 2.3 kB; anything far bigger is garbage
_HEADER = struct.Struct(">II")
_RESERVE: tuple[str | None, Text] = (None, Text(8))
_RESULT: Layout = (("result", Int(1)), _RESERVE)
_MESSAGE: Layout = (
    ("tp_pid", Int(1)),
    ("tp_udhi", Int(1)),
    ("message_coding", Int(1)),
)

LAYOUTS: dict[type, Layout] = {
    pdus.Bind: (
        ("login_type", Int(1)),
        ("login_name", Text(16)),
        ("login_password", Text(16)),
        _RESERVE,
    ),
    pdus.BindResp: _RESULT,
    pdus.Unbind: (),
    pdus.UnbindResp: (),
    pdus.Submit: (
        ("sp_number", Text(21)),
        ("charge_number", Text(21)),
        ("user_numbers", Ids(21)),
        ("corp_id", Text(5)),
        ("service_type", Text(10)),
        ("fee_type", Int(1)),
        ("fee_value", Text(6)),
        ("given_value", Text(6)),
        ("agent_flag", Int(1)),
        ("morelate_to_mt_flag", Int(1)),
        ("priority", Int(1)),
        ("expire_time", Text(16)),
        ("schedule_time", Text(16)),
        ("report_flag", Int(1)),
        *_MESSAGE,
        ("message_type", Int(1)),
        ("content", Content(4)),
        _RESERVE,
    ),
    pdus.SubmitResp: _RESULT,
    pdus.Deliver: (
        ("user_number", Text(21)),
        ("sp_number", Text(21)),
        *_MESSAGE,
        ("content", Content(4)),
        _RESERVE,
    ),
    pdus.DeliverResp: _RESULT,
    pdus.Report: (
        ("submit_sequence", Packed(12, Sequence.unpack, Sequence.pack)),
        ("report_type", Int(1)),
        ("user_number", Text(21)),
        ("state", Int(1)),
        ("error_code", Int(1)),
        _RESERVE,
    ),
    pdus.ReportResp: _RESULT,
}

_KINDS: dict[type, Kind] = {
    pdus.Bind: Kind.LOGIN,
    pdus.Unbind: Kind.LOGOUT,
    pdus.UnbindResp: Kind.LOGOUT_RESP,
}


class SgipCodec:
    min_length = HEADER_LENGTH
    max_length = MAX_LENGTH

    def encode(self, pdu: Pdu) -> bytes:
        layout = LAYOUTS.get(type(pdu))
        if layout is None:
            raise LocalProtocolError(f"not an SGIP PDU: {type(pdu).__name__}")
        if isinstance(pdu, pdus.Submit) and not 1 <= len(pdu.user_numbers) <= 100:
            raise LocalProtocolError(f"SGIP SUBMIT to {len(pdu.user_numbers)} users (1..100)")
        body = encode_body(pdu, layout)
        header = _HEADER.pack(HEADER_LENGTH + len(body), COMMAND_IDS[type(pdu)])
        try:
            return header + pdu.sequence.pack() + body
        except struct.error as exc:
            raise LocalProtocolError(f"SGIP sequence {pdu.sequence!r}: {exc}") from exc

    def decode(self, frame: bytes) -> Pdu:
        if len(frame) < HEADER_LENGTH:
            raise RemoteProtocolError(f"SGIP PDU of {len(frame)} bytes is shorter than its header")
        length, command = _HEADER.unpack_from(frame)
        if length != len(frame):
            raise RemoteProtocolError(f"SGIP Message Length {length} but {len(frame)} bytes")
        cls = PDU_TYPES.get(command)
        if cls is None:
            raise RemoteProtocolError(f"unknown SGIP Command ID 0x{command:08x}")
        sequence = Sequence.unpack(frame[8:HEADER_LENGTH])
        values = decode_body(frame[HEADER_LENGTH:], LAYOUTS[cls], f"SGIP {cls.__name__}")
        pdu: Pdu = cls(sequence=sequence, **values)
        return pdu

    def kind(self, pdu: Pdu) -> Kind:
        if isinstance(pdu, pdus.BindResp):
            return Kind.LOGIN_OK if pdu.result == 0 else Kind.LOGIN_FAILED
        return _KINDS.get(type(pdu), Kind.OTHER)
