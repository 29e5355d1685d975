"""SGIP 1.2 PDUs between an SP and an SMG: one frozen dataclass per PDU.

Every PDU carries its header :class:`~hisms.carrier.sgip.msgid.Sequence`;
the codec adds Message Length and Command ID. Integers are Python ints,
fixed-width strings are ``str`` (padding stripped), message contents are
``bytes``. Numbers are on the wire form, with 86 (see :mod:`hisms.carrier.wire.numbers`).
The SP is client (SUBMIT) and server (the SMG binds with login type 2 to send
DELIVER and REPORT), so every PDU is encoded and decoded in both directions.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hisms.carrier.sgip.msgid import Sequence
from hisms.carrier.wire.text import UCS2
from hisms.carrier.wire.text import decode as decode_text
from hisms.carrier.wire.udh import Concat, split_content

SP_PAYS = "0" * 21  # ChargeNumber meaning "the SP pays" (spec 4.2.3.3.1)


class Command(enum.IntEnum):
    BIND = 0x1
    BIND_RESP = 0x80000001
    UNBIND = 0x2
    UNBIND_RESP = 0x80000002
    SUBMIT = 0x3
    SUBMIT_RESP = 0x80000003
    DELIVER = 0x4
    DELIVER_RESP = 0x80000004
    REPORT = 0x5
    REPORT_RESP = 0x80000005


class LoginType(enum.IntEnum):
    SP_TO_SMG = 1  # we connect to the SMG to submit
    SMG_TO_SP = 2  # the SMG connects to our listener to deliver and report


class ReportFlag(enum.IntEnum):
    ON_ERROR = 0
    ALWAYS = 1
    NEVER = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Bind:
    sequence: Sequence
    login_type: int
    login_name: str
    login_password: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbind:
    sequence: Sequence


@dataclass(frozen=True, slots=True, kw_only=True)
class UnbindResp:
    sequence: Sequence


@dataclass(frozen=True, slots=True, kw_only=True)
class _Response:
    sequence: Sequence
    result: int = 0  # 0 = success, else spec table 5-2


@dataclass(frozen=True, slots=True, kw_only=True)
class BindResp(_Response):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitResp(_Response):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverResp(_Response):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportResp(_Response):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class _Message:
    """What SUBMIT and DELIVER share: a possibly UDH-prefixed content."""

    sequence: Sequence
    content: bytes
    tp_pid: int = 0
    tp_udhi: int = 0  # 1 (or 0x40 from SMPP-minded peers): content starts with a UDH
    message_coding: int = UCS2

    @property
    def concat(self) -> Concat | None:
        return split_content(self.content, self.tp_udhi)[0]

    @property
    def text(self) -> str:
        """The message text without its UDH."""
        return decode_text(split_content(self.content, self.tp_udhi)[1], self.message_coding)


@dataclass(frozen=True, slots=True, kw_only=True)
class Submit(_Message):
    sp_number: str
    user_numbers: tuple[str, ...]  # 1..100, each with 86
    charge_number: str = ""  # empty: the user pays; SP_PAYS: the SP pays
    corp_id: str = ""
    service_type: str = ""
    fee_type: int = 0
    fee_value: str = "0"
    given_value: str = "0"
    agent_flag: int = 0
    morelate_to_mt_flag: int = 2  # not caused by an MO
    priority: int = 0
    expire_time: str = ""
    schedule_time: str = ""
    report_flag: int = ReportFlag.ALWAYS
    message_type: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Deliver(_Message):
    user_number: str  # the sender, with 86
    sp_number: str


class ReportType(enum.IntEnum):
    SUBMIT = 0
    DELIVER = 1  # a forwarded DELIVER (SMG to SMG)


class State(enum.IntEnum):
    DELIVERED = 0
    WAITING = 1
    FAILED = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A status report: ``submit_sequence`` is the SUBMIT's own sequence."""

    sequence: Sequence
    submit_sequence: Sequence
    user_number: str
    state: int
    error_code: int = 0
    report_type: int = ReportType.SUBMIT

    @property
    def final(self) -> bool:
        """State 1 (waiting to be sent) is an interim report; the rest are final."""
        return self.state != State.WAITING

    @property
    def stat(self) -> str:
        """The 7-character stat the engine stores, as CMPP and SMGP reports have.

        State 0 -> ``DELIVRD``; 1 -> ``ENROUTE`` (spec 5.4, not final);
        2 -> ``UNDELIV`` without an error code, else ``SG:nnnn`` with the
        ErrorCode of spec table 5-2 (e.g. ``SG:0025``, user unreachable), in the
        ``XX:nnnn`` shape of network-element codes; any other state ``UNKNOWN``.
        """
        if self.state == State.DELIVERED:
            return "DELIVRD"
        if self.state == State.WAITING:
            return "ENROUTE"
        if self.state == State.FAILED:
            return f"SG:{self.error_code:04d}" if self.error_code else "UNDELIV"
        return "UNKNOWN"


Pdu = (
    Bind
    | BindResp
    | Unbind
    | UnbindResp
    | Submit
    | SubmitResp
    | Deliver
    | DeliverResp
    | Report
    | ReportResp
)

COMMAND_IDS: dict[type, Command] = {
    Bind: Command.BIND,
    BindResp: Command.BIND_RESP,
    Unbind: Command.UNBIND,
    UnbindResp: Command.UNBIND_RESP,
    Submit: Command.SUBMIT,
    SubmitResp: Command.SUBMIT_RESP,
    Deliver: Command.DELIVER,
    DeliverResp: Command.DELIVER_RESP,
    Report: Command.REPORT,
    ReportResp: Command.REPORT_RESP,
}
PDU_TYPES: dict[int, type] = {command: cls for cls, command in COMMAND_IDS.items()}
