"""SMGP 3.0 PDUs between an SP and an SMGW: one frozen dataclass per PDU.

Every PDU carries its header ``sequence_id``; the codec adds PacketLength and
RequestID. Integers are Python ints, fixed-width strings are ``str`` (padding
stripped), message contents, authenticators and MsgIDs are ``bytes`` (a MsgID
is 10 raw bytes; :mod:`hisms.carrier.smgp.msgid` gives its stored string form).
SUBMIT and DELIVER keep their TLV options in order, unknown tags included.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hisms.carrier.smgp.report import Report, parse_report
from hisms.carrier.wire import tlv
from hisms.carrier.wire.text import UCS2
from hisms.carrier.wire.text import decode as decode_text
from hisms.carrier.wire.udh import Concat, split_content

VERSION = 0x30


class Tag(enum.IntEnum):
    TP_PID = 0x0001
    TP_UDHI = 0x0002
    LINK_ID = 0x0003
    CHARGE_USER_TYPE = 0x0004
    CHARGE_TERM_TYPE = 0x0005
    CHARGE_TERM_PSEUDO = 0x0006
    DEST_TERM_TYPE = 0x0007
    DEST_TERM_PSEUDO = 0x0008
    PK_TOTAL = 0x0009
    PK_NUMBER = 0x000A
    SUBMIT_MSG_TYPE = 0x000B
    SP_DEAL_RESULT = 0x000C
    SRC_TERM_TYPE = 0x000D
    SRC_TERM_PSEUDO = 0x000E
    NODES_COUNT = 0x000F
    MSG_SRC = 0x0010
    SRC_TYPE = 0x0011
    M_SERVICE_ID = 0x0012


def concat_options(total: int, number: int) -> tlv.Tlvs:
    """TP_udhi=1 and PkTotal/PkNumber for one part of a long message (docs/protocols.md#q9)."""
    values = {Tag.TP_UDHI: 1, Tag.PK_TOTAL: total, Tag.PK_NUMBER: number}
    return tuple((tag, tlv.int_value(value, 1)) for tag, value in values.items())


class RequestId(enum.IntEnum):
    LOGIN = 0x00000001
    LOGIN_RESP = 0x80000001
    SUBMIT = 0x00000002
    SUBMIT_RESP = 0x80000002
    DELIVER = 0x00000003
    DELIVER_RESP = 0x80000003
    ACTIVE_TEST = 0x00000004
    ACTIVE_TEST_RESP = 0x80000004
    EXIT = 0x00000006
    EXIT_RESP = 0x80000006


class LoginMode(enum.IntEnum):
    SEND = 0
    RECEIVE = 1
    TRANSMIT = 2


class MsgType(enum.IntEnum):
    MO = 0
    MT = 6
    P2P = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class Login:
    sequence_id: int
    client_id: str
    authenticator: bytes  # AuthenticatorClient, 16 bytes; see auth.make_login
    login_mode: int
    timestamp: int  # MMDDHHMMSS as a number
    client_version: int = VERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginResp:
    sequence_id: int
    status: int
    authenticator: bytes = bytes(16)  # AuthenticatorServer; empty when the login failed
    server_version: int = VERSION


@dataclass(frozen=True, slots=True, kw_only=True)
class _Message:
    """What SUBMIT and DELIVER share: content, its format and the TLV options."""

    sequence_id: int
    content: bytes
    msg_format: int = UCS2
    options: tlv.Tlvs = ()  # TLVs in wire order, unknown tags included

    @property
    def tp_udhi(self) -> int:
        return tlv.find_int(self.options, Tag.TP_UDHI)

    @property
    def concat(self) -> Concat | None:
        return split_content(self.content, self.tp_udhi)[0]

    @property
    def text(self) -> str:
        """The message text without its UDH."""
        return decode_text(split_content(self.content, self.tp_udhi)[1], self.msg_format)


@dataclass(frozen=True, slots=True, kw_only=True)
class Submit(_Message):
    src_term_id: str  # 118 + SP code (+ extension) on the fixed network, else the SP number
    dest_term_ids: tuple[str, ...]  # 1..100
    msg_type: int = MsgType.MT
    need_report: int = 1
    priority: int = 1
    service_id: str = ""
    fee_type: str = "00"
    fee_code: str = "000000"
    fixed_fee: str = ""
    valid_time: str = ""
    at_time: str = ""
    charge_term_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Deliver(_Message):
    msg_id: bytes
    src_term_id: str
    dest_term_id: str
    is_report: int = 0
    recv_time: str = ""  # YYYYMMDDHHMMSS

    @property
    def report(self) -> Report | None:
        """The status report inside an IsReport=1 DELIVER."""
        return parse_report(self.content) if self.is_report == 1 else None


@dataclass(frozen=True, slots=True, kw_only=True)
class _MsgIdStatus:
    sequence_id: int
    msg_id: bytes
    status: int = 0  # 0 = success, else spec 6.2.6


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitResp(_MsgIdStatus):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverResp(_MsgIdStatus):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class _Empty:
    sequence_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveTest(_Empty):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveTestResp(_Empty):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Exit(_Empty):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ExitResp(_Empty):
    pass


Pdu = (
    Login
    | LoginResp
    | Submit
    | SubmitResp
    | Deliver
    | DeliverResp
    | ActiveTest
    | ActiveTestResp
    | Exit
    | ExitResp
)

REQUEST_IDS: dict[type, RequestId] = {
    Login: RequestId.LOGIN,
    LoginResp: RequestId.LOGIN_RESP,
    Submit: RequestId.SUBMIT,
    SubmitResp: RequestId.SUBMIT_RESP,
    Deliver: RequestId.DELIVER,
    DeliverResp: RequestId.DELIVER_RESP,
    ActiveTest: RequestId.ACTIVE_TEST,
    ActiveTestResp: RequestId.ACTIVE_TEST_RESP,
    Exit: RequestId.EXIT,
    ExitResp: RequestId.EXIT_RESP,
}
PDU_TYPES: dict[int, type] = {request: cls for cls, request in REQUEST_IDS.items()}
