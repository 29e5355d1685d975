"""SMPP 3.4 PDUs as frozen dataclasses (spec chapter 4).

Body fields are declared in wire order; their ``metadata`` tells the codec the
wire type (C-octet string with its maximum size including the NUL, u8, or the
sm_length-prefixed short_message). ``sequence_number`` and ``command_status``
are header fields; ``tlvs`` holds the optional parameters.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class CommandId(enum.IntEnum):
    GENERIC_NACK = 0x80000000
    BIND_RECEIVER = 0x00000001
    BIND_RECEIVER_RESP = 0x80000001
    BIND_TRANSMITTER = 0x00000002
    BIND_TRANSMITTER_RESP = 0x80000002
    SUBMIT_SM = 0x00000004
    SUBMIT_SM_RESP = 0x80000004
    DELIVER_SM = 0x00000005
    DELIVER_SM_RESP = 0x80000005
    UNBIND = 0x00000006
    UNBIND_RESP = 0x80000006
    BIND_TRANSCEIVER = 0x00000009
    BIND_TRANSCEIVER_RESP = 0x80000009
    OUTBIND = 0x0000000B
    ENQUIRE_LINK = 0x00000015
    ENQUIRE_LINK_RESP = 0x80000015


class Status(enum.IntEnum):
    """The command_status values hisms sends or reacts to (spec 5.1.3)."""

    ROK = 0x00
    RINVMSGLEN = 0x01
    RINVCMDLEN = 0x02
    RINVCMDID = 0x03
    RINVBNDSTS = 0x04
    RALYBND = 0x05
    RSYSERR = 0x08
    RINVDSTADR = 0x0B
    RBINDFAIL = 0x0D
    RINVPASWD = 0x0E
    RINVSYSID = 0x0F
    RMSGQFUL = 0x14
    RSUBMITFAIL = 0x45
    RTHROTTLED = 0x58


# esm_class bits (spec 5.2.12)
ESM_DELIVERY_RECEIPT = 0x04  # message type: SMSC delivery receipt
ESM_INTERMEDIATE = 0x20  # message type: intermediate delivery notification (never final)
ESM_MESSAGE_TYPE_MASK = 0x3C
ESM_UDHI = 0x40  # short_message starts with a user data header

INTERFACE_VERSION = 0x34


class Tag(enum.IntEnum):
    RECEIPTED_MESSAGE_ID = 0x001E
    USER_MESSAGE_REFERENCE = 0x0204
    SAR_MSG_REF_NUM = 0x020C
    SAR_TOTAL_SEGMENTS = 0x020E
    SAR_SEGMENT_SEQNUM = 0x020F
    SC_INTERFACE_VERSION = 0x0210
    NETWORK_ERROR_CODE = 0x0423
    MESSAGE_PAYLOAD = 0x0424
    MESSAGE_STATE = 0x0427


# Value sizes the spec fixes; checked on decode so the accessors cannot fail later.
TLV_SIZES: dict[int, int] = {
    Tag.USER_MESSAGE_REFERENCE: 2,
    Tag.SAR_MSG_REF_NUM: 2,
    Tag.SAR_TOTAL_SEGMENTS: 1,
    Tag.SAR_SEGMENT_SEQNUM: 1,
    Tag.SC_INTERFACE_VERSION: 1,
    Tag.NETWORK_ERROR_CODE: 3,
    Tag.MESSAGE_STATE: 1,
}


class OptionalParams:
    """Typed read access to the ``tlvs`` mapping of a PDU; None when absent."""

    __slots__ = ()
    tlvs: Mapping[int, bytes]

    def _int(self, tag: Tag) -> int | None:
        raw = self.tlvs.get(tag)
        return None if raw is None else int.from_bytes(raw, "big")

    @property
    def receipted_message_id(self) -> str | None:
        raw = self.tlvs.get(Tag.RECEIPTED_MESSAGE_ID)
        # Some SMSCs omit the NUL the spec asks for; take what is there.
        return None if raw is None else raw.split(b"\x00", 1)[0].decode("latin-1")

    @property
    def message_state(self) -> int | None:
        return self._int(Tag.MESSAGE_STATE)

    @property
    def network_error_code(self) -> tuple[int, int] | None:
        """(network type, error code): 1 ANSI-136, 2 IS-95, 3 GSM, ..."""
        raw = self.tlvs.get(Tag.NETWORK_ERROR_CODE)
        return None if raw is None else (raw[0], int.from_bytes(raw[1:], "big"))

    @property
    def sar_msg_ref_num(self) -> int | None:
        return self._int(Tag.SAR_MSG_REF_NUM)

    @property
    def sar_total_segments(self) -> int | None:
        return self._int(Tag.SAR_TOTAL_SEGMENTS)

    @property
    def sar_segment_seqnum(self) -> int | None:
        return self._int(Tag.SAR_SEGMENT_SEQNUM)

    @property
    def message_payload(self) -> bytes | None:
        return self.tlvs.get(Tag.MESSAGE_PAYLOAD)

    @property
    def user_message_reference(self) -> int | None:
        return self._int(Tag.USER_MESSAGE_REFERENCE)

    @property
    def sc_interface_version(self) -> int | None:
        return self._int(Tag.SC_INTERFACE_VERSION)


def cstr(max_size: int, default: str = "") -> Any:
    """A C-octet string body field; ``max_size`` counts the terminating NUL."""
    return field(default=default, metadata={"wire": "cstr", "max": max_size})


def u8(default: int = 0) -> Any:
    return field(default=default, metadata={"wire": "u8"})


def short_message() -> Any:
    return field(default=b"", metadata={"wire": "sm"})


def optional_params() -> Any:
    # A dict is unhashable, so keep it out of the generated __hash__.
    return field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pdu:
    command_id: ClassVar[CommandId]
    sequence_number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Response(Pdu):
    command_status: int = 0  # Status.ROK; peers also send vendor codes


@dataclass(frozen=True, slots=True, kw_only=True)
class Bind(Pdu):
    system_id: str = cstr(16)
    password: str = cstr(9)
    system_type: str = cstr(13)
    interface_version: int = u8(INTERFACE_VERSION)
    addr_ton: int = u8()
    addr_npi: int = u8()
    address_range: str = cstr(41)


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransmitter(Bind):
    command_id = CommandId.BIND_TRANSMITTER


@dataclass(frozen=True, slots=True, kw_only=True)
class BindReceiver(Bind):
    command_id = CommandId.BIND_RECEIVER


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransceiver(Bind):
    command_id = CommandId.BIND_TRANSCEIVER


@dataclass(frozen=True, slots=True, kw_only=True)
class BindResp(OptionalParams, Response):
    system_id: str = cstr(16)
    tlvs: Mapping[int, bytes] = optional_params()


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransmitterResp(BindResp):
    command_id = CommandId.BIND_TRANSMITTER_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class BindReceiverResp(BindResp):
    command_id = CommandId.BIND_RECEIVER_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class BindTransceiverResp(BindResp):
    command_id = CommandId.BIND_TRANSCEIVER_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class Outbind(Pdu):
    command_id = CommandId.OUTBIND
    system_id: str = cstr(16)
    password: str = cstr(9)


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbind(Pdu):
    command_id = CommandId.UNBIND


@dataclass(frozen=True, slots=True, kw_only=True)
class UnbindResp(Response):
    command_id = CommandId.UNBIND_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class EnquireLink(Pdu):
    command_id = CommandId.ENQUIRE_LINK


@dataclass(frozen=True, slots=True, kw_only=True)
class EnquireLinkResp(Response):
    command_id = CommandId.ENQUIRE_LINK_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class GenericNack(Response):
    command_id = CommandId.GENERIC_NACK


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortMessagePdu(OptionalParams, Pdu):
    """submit_sm and deliver_sm share one layout (spec 4.4.1, 4.6.1)."""

    service_type: str = cstr(6)
    source_addr_ton: int = u8()
    source_addr_npi: int = u8()
    source_addr: str = cstr(21)
    dest_addr_ton: int = u8()
    dest_addr_npi: int = u8()
    destination_addr: str = cstr(21)
    esm_class: int = u8()
    protocol_id: int = u8()
    priority_flag: int = u8()
    schedule_delivery_time: str = cstr(17)
    validity_period: str = cstr(17)
    registered_delivery: int = u8()
    replace_if_present_flag: int = u8()
    data_coding: int = u8()
    sm_default_msg_id: int = u8()
    short_message: bytes = short_message()
    tlvs: Mapping[int, bytes] = optional_params()


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitSm(ShortMessagePdu):
    command_id = CommandId.SUBMIT_SM


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverSm(ShortMessagePdu):
    command_id = CommandId.DELIVER_SM


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageResp(OptionalParams, Response):
    # 65 is the largest size spec 4.4.2 allows (9, 33 or 65 by SMSC).
    message_id: str = cstr(65)
    tlvs: Mapping[int, bytes] = optional_params()


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitSmResp(MessageResp):
    command_id = CommandId.SUBMIT_SM_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverSmResp(MessageResp):
    command_id = CommandId.DELIVER_SM_RESP


CLASSES: dict[int, type[Pdu]] = {
    cls.command_id: cls
    for cls in (
        BindTransmitter,
        BindReceiver,
        BindTransceiver,
        BindTransmitterResp,
        BindReceiverResp,
        BindTransceiverResp,
        Outbind,
        Unbind,
        UnbindResp,
        EnquireLink,
        EnquireLinkResp,
        GenericNack,
        SubmitSm,
        DeliverSm,
        SubmitSmResp,
        DeliverSmResp,
    )
}
