"""CMPP 2.0/3.0 PDUs between an SP and an ISMG: one frozen dataclass per PDU.

Every PDU carries its header ``sequence_id``; the codec adds Total_Length and
Command_Id. Fields that exist in only one version (3.0's terminal-id types and
LinkID, 2.0's Reserve) keep their defaults when the other version is decoded.
Integers are Python ints, fixed-width strings are ``str`` (padding stripped),
message contents and authenticators are ``bytes``. A Msg_Id is the unsigned
64-bit integer the wire carries; :mod:`hisms.carrier.cmpp.msgid` turns it into
the string the engine stores.
"""

from __future__ import annotations

from dataclasses import dataclass

from hisms.carrier.cmpp.report import Report, parse_report
from hisms.carrier.wire.text import decode as decode_text
from hisms.carrier.wire.udh import Concat, split_content

V20 = 0x20
V30 = 0x30


@dataclass(frozen=True, slots=True)
class Connect:
    sequence_id: int
    source_addr: str  # SP_Id, 6 digits
    authenticator: bytes  # AuthenticatorSource, 16 bytes
    version: int
    timestamp: int  # MMDDHHMMSS as a number


@dataclass(frozen=True, slots=True)
class ConnectResp:
    sequence_id: int
    status: int
    authenticator: bytes  # AuthenticatorISMG, 16 bytes (NULs when the login failed)
    version: int


@dataclass(frozen=True, slots=True)
class Terminate:
    sequence_id: int


@dataclass(frozen=True, slots=True)
class TerminateResp:
    sequence_id: int


@dataclass(frozen=True, slots=True)
class ActiveTest:
    sequence_id: int


@dataclass(frozen=True, slots=True)
class ActiveTestResp:
    sequence_id: int
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class Submit:
    sequence_id: int
    dest_terminal_ids: tuple[str, ...]
    msg_content: bytes
    msg_fmt: int = 8
    src_id: str = ""
    service_id: str = ""
    msg_src: str = ""
    pk_total: int = 1
    pk_number: int = 1
    registered_delivery: int = 1
    msg_level: int = 0
    fee_user_type: int = 2
    fee_terminal_id: str = ""
    fee_terminal_type: int = 0  # 3.0 only
    tp_pid: int = 0
    tp_udhi: int = 0
    fee_type: str = "01"
    fee_code: str = "000000"
    valid_time: str = ""
    at_time: str = ""
    dest_terminal_type: int = 0  # 3.0 only
    link_id: str = ""  # 3.0 only (2.0 sends Reserve 8 NULs)
    msg_id: int = 0


@dataclass(frozen=True, slots=True)
class SubmitResp:
    sequence_id: int
    msg_id: int
    result: int


@dataclass(frozen=True, slots=True)
class Deliver:
    """An MO message, or a status report when ``registered_delivery`` is 1."""

    sequence_id: int
    msg_id: int
    dest_id: str  # the service number the handset sent to, extension included
    src_terminal_id: str
    msg_content: bytes
    service_id: str = ""
    tp_pid: int = 0
    tp_udhi: int = 0
    msg_fmt: int = 8
    src_terminal_type: int = 0  # 3.0 only
    registered_delivery: int = 0
    link_id: str = ""  # 3.0 only

    @property
    def report(self) -> Report | None:
        """The status report in ``msg_content``; its layout follows its length."""
        return parse_report(self.msg_content) if self.registered_delivery == 1 else None

    @property
    def concat(self) -> Concat | None:
        return split_content(self.msg_content, self.tp_udhi)[0]

    @property
    def text(self) -> str:
        """The message text without its UDH."""
        return decode_text(split_content(self.msg_content, self.tp_udhi)[1], self.msg_fmt)


@dataclass(frozen=True, slots=True)
class DeliverResp:
    sequence_id: int
    msg_id: int
    result: int = 0


@dataclass(frozen=True, slots=True)
class Cancel:
    sequence_id: int
    msg_id: int


@dataclass(frozen=True, slots=True)
class CancelResp:
    sequence_id: int
    success_id: int  # 0 success, 1 failure


@dataclass(frozen=True, slots=True)
class Query:
    sequence_id: int
    time: str  # YYYYMMDD
    query_type: int = 0  # 0 totals, 1 per Service_Id
    query_code: str = ""


@dataclass(frozen=True, slots=True)
class QueryResp:
    sequence_id: int
    time: str
    query_type: int
    query_code: str
    mt_tlmsg: int = 0
    mt_tlusr: int = 0
    mt_scs: int = 0
    mt_wt: int = 0
    mt_fl: int = 0
    mo_scs: int = 0
    mo_wt: int = 0
    mo_fl: int = 0


Pdu = (
    Connect
    | ConnectResp
    | Terminate
    | TerminateResp
    | ActiveTest
    | ActiveTestResp
    | Submit
    | SubmitResp
    | Deliver
    | DeliverResp
    | Cancel
    | CancelResp
    | Query
    | QueryResp
)

COMMAND_IDS: dict[type, int] = {
    Connect: 0x00000001,
    ConnectResp: 0x80000001,
    Terminate: 0x00000002,
    TerminateResp: 0x80000002,
    Submit: 0x00000004,
    SubmitResp: 0x80000004,
    Deliver: 0x00000005,
    DeliverResp: 0x80000005,
    Query: 0x00000006,
    QueryResp: 0x80000006,
    Cancel: 0x00000007,
    CancelResp: 0x80000007,
    ActiveTest: 0x00000008,
    ActiveTestResp: 0x80000008,
}
PDU_TYPES: dict[int, type] = {command: cls for cls, command in COMMAND_IDS.items()}
