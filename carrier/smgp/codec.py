"""Encoding and decoding SMGP 3.0 PDUs (no I/O).

:class:`SmgpCodec` plugs SMGP into the shared sans-IO connection. The header
is PacketLength u32, RequestID u32, SequenceID u32 (spec 5.2.1); the body
layouts follow spec 5.2.2, SUBMIT and DELIVER ending in TLVs.
"""

from __future__ import annotations

import functools

from hisms.carrier.smgp import msgid, pdus
from hisms.carrier.smgp.pdus import REQUEST_IDS, Pdu
from hisms.carrier.wire import tlv
from hisms.carrier.wire.codec import LayoutCodec, Words
from hisms.carrier.wire.connection import Kinds
from hisms.carrier.wire.fields import U32, Content, Ids, Int, Layout, Raw, Rest, Text

HEADER_LENGTH = 12
MAX_LENGTH = 8192  # a 100-recipient SUBMIT is about 2.5 kB; anything far bigger is garbage
_HEADER = (("sequence_id", U32),)
_WORDS = Words("SMGP", "PacketLength", "RequestID")
_KINDS = Kinds(pdus.Login, pdus.LoginResp, "status", pdus.Exit, pdus.ExitResp)
_RESERVE: tuple[str | None, Text] = (None, Text(8))
# Real peers send 1 to 3 stray bytes after an otherwise sound SUBMIT (see the
# field-reported PDU in the tests): a tail shorter than a TLV header is ignored.
_OPTIONS: tuple[str, Rest] = (
    "options",
    Rest(functools.partial(tlv.parse, stub_tail=True), tlv.build),
)
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
        ("dest_term_ids", Ids(21, 1, 100)),
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


class SmgpCodec(LayoutCodec[Pdu]):
    def __init__(self) -> None:
        super().__init__(_WORDS, _HEADER, LAYOUTS, REQUEST_IDS, _KINDS, MAX_LENGTH)

    def decode(self, frame: bytes) -> Pdu:
        pdu = super().decode(frame)
        if isinstance(pdu, pdus.Deliver):
            pdu.report  # noqa: B018 - a malformed report is the peer's error: raise it now
        return pdu
