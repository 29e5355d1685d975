"""Encoding and decoding SMGP 3.0 PDUs (no I/O).

:class:`SmgpCodec` is the :class:`~hisms.carrier.connection.Codec` that plugs
SMGP into the shared sans-IO connection. The header is PacketLength u32,
RequestID u32, SequenceID u32 (spec 5.2.1); the body layouts follow spec
5.2.2, SUBMIT and DELIVER ending in TLVs (:mod:`.tlv`). Anything malformed the
peer sends raises :class:`RemoteProtocolError` and nothing else.
"""

from __future__ import annotations

import struct

from hisms.carrier.connection import Kind
from hisms.carrier.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.sgip.wire import (
    Content,
    Ids,
    Int,
    Layout,
    Raw,
    Rest,
    Text,
    decode_body,
    encode_body,
)
from hisms.carrier.smgp import msgid, pdus, tlv
from hisms.carrier.smgp.pdus import PDU_TYPES, REQUEST_IDS, Pdu

HEADER_LENGTH = 12
MAX_LENGTH = 8192  # a 100-recipient SUBMIT is about 2.5 kB; anything far bigger is garbage
_HEADER = struct.Struct(">III")
_RESERVE: tuple[str | None, Text] = (None, Text(8))
_OPTIONS: tuple[str, Rest] = ("options", Rest(tlv.parse, tlv.build))
_MSG_ID_STATUS: Layout = (("msg_id", Raw(msgid.LENGTH)), ("status", Int(4)))

LAYOUTS: dict[type, Layout] = {
    pdus.Login: (
        ("client_id", Text(8)),
        ("authenticator", Raw(16)),
        ("login_mode", Int(1)),
        ("timestamp", Int(4)),
        ("client_version", Int(1)),
    ),
    pdus.LoginResp: (
        ("status", Int(4)),
        ("authenticator", Raw(16)),
        ("server_version", Int(1)),
    ),
    pdus.Submit: (
        ("msg_type", Int(1)),
        ("need_report", Int(1)),
        ("priority", Int(1)),
        ("service_id", Text(10)),
        ("fee_type", Text(2)),
        ("fee_code", Text(6)),
        ("fixed_fee", Text(6)),
        ("msg_format", Int(1)),
        ("valid_time", Text(17)),
        ("at_time", Text(17)),
        ("src_term_id", Text(21)),
        ("charge_term_id", Text(21)),
        ("dest_term_ids", Ids(21)),
        ("content", Content(1)),
        _RESERVE,
        _OPTIONS,
    ),
    pdus.SubmitResp: _MSG_ID_STATUS,
    pdus.Deliver: (
        ("msg_id", Raw(msgid.LENGTH)),
        ("is_report", Int(1)),
        ("msg_format", Int(1)),
        ("recv_time", Text(14)),
        ("src_term_id", Text(21)),
        ("dest_term_id", Text(21)),
        ("content", Content(1)),
        _RESERVE,
        _OPTIONS,
    ),
    pdus.DeliverResp: _MSG_ID_STATUS,
    pdus.ActiveTest: (),
    pdus.ActiveTestResp: (),
    pdus.Exit: (),
    pdus.ExitResp: (),
}

_KINDS: dict[type, Kind] = {
    pdus.Login: Kind.LOGIN,
    pdus.Exit: Kind.LOGOUT,
    pdus.ExitResp: Kind.LOGOUT_RESP,
}


class SmgpCodec:
    min_length = HEADER_LENGTH
    max_length = MAX_LENGTH

    def encode(self, pdu: Pdu) -> bytes:
        layout = LAYOUTS.get(type(pdu))
        if layout is None:
            raise LocalProtocolError(f"not an SMGP PDU: {type(pdu).__name__}")
        if isinstance(pdu, pdus.Submit) and not 1 <= len(pdu.dest_term_ids) <= 100:
            raise LocalProtocolError(f"SMGP SUBMIT to {len(pdu.dest_term_ids)} numbers (1..100)")
        body = encode_body(pdu, layout)
        try:
            header = _HEADER.pack(
                HEADER_LENGTH + len(body), REQUEST_IDS[type(pdu)], pdu.sequence_id
            )
        except struct.error as exc:
            raise LocalProtocolError(f"SMGP SequenceID {pdu.sequence_id}: {exc}") from exc
        return header + body

    def decode(self, frame: bytes) -> Pdu:
        if len(frame) < HEADER_LENGTH:
            raise RemoteProtocolError(f"SMGP PDU of {len(frame)} bytes is shorter than its header")
        length, request_id, sequence_id = _HEADER.unpack_from(frame)
        if length != len(frame):
            raise RemoteProtocolError(f"SMGP PacketLength {length} but {len(frame)} bytes")
        cls = PDU_TYPES.get(request_id)
        if cls is None:
            raise RemoteProtocolError(f"unknown SMGP RequestID 0x{request_id:08x}")
        values = decode_body(frame[HEADER_LENGTH:], LAYOUTS[cls], f"SMGP {cls.__name__}")
        pdu: Pdu = cls(sequence_id=sequence_id, **values)
        if isinstance(pdu, pdus.Deliver):
            pdu.report  # noqa: B018 - a malformed report is the peer's error: raise it now
        return pdu

    def kind(self, pdu: Pdu) -> Kind:
        if isinstance(pdu, pdus.LoginResp):
            return Kind.LOGIN_OK if pdu.status == 0 else Kind.LOGIN_FAILED
        return _KINDS.get(type(pdu), Kind.OTHER)
