"""Encoding and decoding SGIP 1.2 PDUs (no I/O).

:class:`SgipCodec` plugs SGIP into the shared sans-IO connection, for both of
the SP's links: the one it opens to submit and the one the SMG opens to
deliver and report. The header is Message Length u32, Command ID u32 and the
12-byte sequence (spec 4.2.2); the body layouts follow spec tables 4-15 to
4-22.
"""

from __future__ import annotations

from hisms.carrier.sgip import pdus
from hisms.carrier.sgip.msgid import Sequence
from hisms.carrier.sgip.pdus import COMMAND_IDS, Pdu
from hisms.carrier.wire.codec import LayoutCodec, Words
from hisms.carrier.wire.connection import Kinds
from hisms.carrier.wire.fields import Content, Ids, Int, Layout, Packed, Text

HEADER_LENGTH = 20
MAX_LENGTH = 8192  # a 100-recipient SUBMIT is about 2.3 kB; anything far bigger is garbage
_HEADER = (("sequence", Packed(12, Sequence.unpack, Sequence.pack)),)
_WORDS = Words("SGIP", "Message Length", "Command ID")
_KINDS = Kinds(pdus.Bind, pdus.BindResp, "result", pdus.Unbind, pdus.UnbindResp)
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
        ("user_numbers", Ids(21, 1, 100)),
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


class SgipCodec(LayoutCodec[Pdu]):
    def __init__(self) -> None:
        # Bytes after a complete body are ignored: go_sgip answers UNBIND with a
        # generic response's 9 (Result, Reserve) where the spec has none.
        super().__init__(
            _WORDS, _HEADER, LAYOUTS, COMMAND_IDS, _KINDS, MAX_LENGTH, trailing_ok=True
        )
