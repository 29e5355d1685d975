"""Encoding and decoding CMPP 2.0/3.0 PDUs for one protocol version (no I/O).

The version (0x20 or 0x30) comes from the channel's configuration and never
from the peer's reply. The body layouts follow the spec's tables field by
field; tables that differ between the versions are listed once per version
(see docs/protocols.md#cmpp). :class:`CmppCodec` plugs them into the shared
:class:`~hisms.carrier.wire.codec.LayoutCodec`.
"""

from __future__ import annotations

import struct

from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.pdus import COMMAND_IDS, V20, V30, Pdu
from hisms.carrier.wire.codec import LayoutCodec, Words
from hisms.carrier.wire.connection import Kinds
from hisms.carrier.wire.fields import U8, U32, U64, Content, Ids, Int, Layout, Raw, Text

_SUBMIT_HEAD: Layout = (
    ("msg_id", U64),
    ("pk_total", U8),
    ("pk_number", U8),
    ("registered_delivery", U8),
    ("msg_level", U8),
    ("service_id", Text(10)),
    ("fee_user_type", U8),
)
_SUBMIT_MIDDLE: Layout = (
    ("tp_pid", U8),
    ("tp_udhi", U8),
    ("msg_fmt", U8),
    ("msg_src", Text(6)),
    ("fee_type", Text(2)),
    ("fee_code", Text(6)),
    ("valid_time", Text(17)),
    ("at_time", Text(17)),
    ("src_id", Text(21)),
)
_DELIVER_HEAD: Layout = (
    ("msg_id", U64),
    ("dest_id", Text(21)),
    ("service_id", Text(10)),
    ("tp_pid", U8),
    ("tp_udhi", U8),
    ("msg_fmt", U8),
)
_QUERY_HEAD: Layout = (("time", Text(8)), ("query_type", U8), ("query_code", Text(10)))
_QUERY_COUNTERS = ("mt_tlmsg", "mt_tlusr", "mt_scs", "mt_wt", "mt_fl", "mo_scs", "mo_wt", "mo_fl")

_COMMON: dict[type, Layout] = {
    pdus.Connect: (
        ("source_addr", Text(6)),
        ("authenticator", Raw(16)),
        ("version", U8),
        ("timestamp", U32),
    ),
    pdus.Terminate: (),
    pdus.TerminateResp: (),
    pdus.ActiveTest: (),
    pdus.ActiveTestResp: (("reserved", U8),),
    pdus.Cancel: (("msg_id", U64),),
    pdus.Query: (*_QUERY_HEAD, (None, Raw(8))),
    pdus.QueryResp: (*_QUERY_HEAD, *((name, U32) for name in _QUERY_COUNTERS)),
}


def _versioned(result: Int) -> dict[type, Layout]:
    return {
        pdus.ConnectResp: (("status", result), ("authenticator", Raw(16)), ("version", U8)),
        pdus.SubmitResp: (("msg_id", U64), ("result", result)),
        pdus.DeliverResp: (("msg_id", U64), ("result", result)),
        pdus.CancelResp: (("success_id", result),),
    }


LAYOUTS: dict[int, dict[type, Layout]] = {
    V20: {
        **_COMMON,
        **_versioned(U8),
        pdus.Submit: (
            *_SUBMIT_HEAD,
            ("fee_terminal_id", Text(21)),
            *_SUBMIT_MIDDLE,
            ("dest_terminal_ids", Ids(21)),
            ("msg_content", Content()),
            (None, Raw(8)),
        ),
        pdus.Deliver: (
            *_DELIVER_HEAD,
            ("src_terminal_id", Text(21)),
            ("registered_delivery", U8),
            ("msg_content", Content()),
            (None, Raw(8)),
        ),
    },
    V30: {
        **_COMMON,
        **_versioned(U32),
        pdus.Submit: (
            *_SUBMIT_HEAD,
            ("fee_terminal_id", Text(32)),
            ("fee_terminal_type", U8),
            *_SUBMIT_MIDDLE,
            ("dest_terminal_ids", Ids(32)),
            ("dest_terminal_type", U8),
            ("msg_content", Content()),
            ("link_id", Text(20)),
        ),
        pdus.Deliver: (
            *_DELIVER_HEAD,
            ("src_terminal_id", Text(32)),
            ("src_terminal_type", U8),
            ("registered_delivery", U8),
            ("msg_content", Content()),
            ("link_id", Text(20)),
        ),
    },
}

HEADER_LENGTH = 12
# The largest legal PDU: a 3.0 SUBMIT to 255 numbers with a 255-byte content.
MAX_LENGTH = HEADER_LENGTH + 128 + 1 + 255 * 32 + 1 + 1 + 255 + 20
_HEADER = (("sequence_id", U32),)
_WORDS = Words("CMPP", "Total_Length", "Command_Id")
_KINDS = Kinds(pdus.Connect, pdus.ConnectResp, "status", pdus.Terminate, pdus.TerminateResp)
# Some gateways leave out ACTIVE_TEST_RESP's reserved byte: the header alone.
_BARE_ACTIVE_TEST_RESP = struct.pack(">II", HEADER_LENGTH, COMMAND_IDS[pdus.ActiveTestResp])


class CmppCodec(LayoutCodec[Pdu]):
    def __init__(self, version: int) -> None:
        if version not in LAYOUTS:
            raise ValueError(f"unsupported CMPP version 0x{version:02x}")
        self.version = version
        super().__init__(_WORDS, _HEADER, LAYOUTS[version], COMMAND_IDS, _KINDS, MAX_LENGTH)

    def decode(self, frame: bytes) -> Pdu:
        if len(frame) == HEADER_LENGTH and frame[:8] == _BARE_ACTIVE_TEST_RESP:
            return pdus.ActiveTestResp(int.from_bytes(frame[8:], "big"))
        return super().decode(frame)
