"""The CMPP body layouts, field by field, as the spec's tables list them.

A layout is a tuple of ``(attribute, field type)``; ``None`` as the attribute
is a reserved field written as NULs and ignored on receive. Tables that differ
between the versions are listed once per version (see docs/protocols.md#cmpp).
"""

from __future__ import annotations

from dataclasses import dataclass

from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.pdus import V20, V30


@dataclass(frozen=True, slots=True)
class Int:
    size: int  # 1, 4 or 8 bytes, big-endian unsigned


@dataclass(frozen=True, slots=True)
class Text:
    size: int  # fixed width, NUL padded


@dataclass(frozen=True, slots=True)
class Raw:
    size: int  # fixed-width bytes taken as they are


@dataclass(frozen=True, slots=True)
class Ids:
    size: int  # a u8 count, then that many fixed-width terminal ids


@dataclass(frozen=True, slots=True)
class Content:
    """A u8 Msg_Length followed by that many bytes."""


Field = Int | Text | Raw | Ids | Content
Layout = tuple[tuple[str | None, Field], ...]

U8, U32, U64 = Int(1), Int(4), Int(8)

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
