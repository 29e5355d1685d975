"""An SMPP channel's options: the shared session settings plus SMPP's own (pydantic).

Read with :func:`parse`; every problem is a :class:`CarrierError` naming the
channel and the option. The table in ``docs/carrier-options.md`` is generated
from these fields.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, field_validator

from hisms.carrier.session.options import Choice, Integer, Text, problem, read
from hisms.carrier.session.settings import ReportClock, SessionSettings
from hisms.carrier.smpp.msgid import ReceiptIds


class BindMode(enum.Enum):
    TRANSCEIVER = "transceiver"  # one link both submits and receives
    PAIR = "transmitter+receiver"  # submits on transmitters, receipts/MO on receivers


class LongMode(enum.Enum):
    UDH = "udh"  # esm_class 0x40 and the UDH in short_message, one submit_sm per part
    SAR = "sar"  # sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs per part
    PAYLOAD = "payload"  # the whole text in one message_payload; the SMSC splits it


def _choice(kind: type[enum.Enum]) -> Choice:
    return Choice({m.value: m for m in kind}, "must be " + " or ".join(repr(m.value) for m in kind))


DATA_CODINGS = (8, 0)  # 8: always UCS2; 0: default alphabet when the message allows, else 8


class SmppOptions(SessionSettings, ReportClock):
    system_id: Annotated[str, Text(15, required=True)] = Field(description="the login account")
    password: Annotated[str, Text(8, required=True)] = Field(
        repr=False, description="(never logged)"
    )
    src_number: Annotated[str, Text(20, required=True)] = Field(
        description="the service number, sent as source_addr; a part's extension is appended"
        " to it so MO replies route back"
    )
    system_type: Annotated[str, Text(12)] = Field("", description="system_type of the bind")
    bind: Annotated[BindMode, _choice(BindMode)] = Field(
        BindMode.TRANSCEIVER,
        description="transceiver: one bind both ways; transmitter+receiver: `connections`"
        " transmitters for submits plus as many receivers for receipts and MO",
    )
    address_range: Annotated[str, Text(40)] = Field("", description="address_range of the bind")
    service_type: Annotated[str, Text(5)] = Field("", description="service_type of submit_sm")
    source_addr_ton: Annotated[int, Integer(0, 6)] = Field(0, description="source_addr_ton")
    source_addr_npi: Annotated[int, Integer(0, 18)] = Field(0, description="source_addr_npi")
    dest_addr_ton: Annotated[int, Integer(0, 6)] = Field(
        1, description="1: numbers go out as 86...; 0 or 2: as dialled"
    )
    dest_addr_npi: Annotated[int, Integer(0, 18)] = Field(1, description="1: E.164")
    data_coding: Annotated[int, Integer(0, 8)] = Field(
        8,
        description="8: UCS2 always; 0: the default alphabet for a message whose every"
        " character it holds (160 characters, 153 per part), else UCS2: chosen once per message",
    )
    long_messages: Annotated[LongMode, _choice(LongMode)] = Field(
        LongMode.UDH,
        description="udh: esm_class 0x40 + UDH per part; sar: sar_* TLVs per part;"
        " payload: the whole text in one message_payload",
    )
    receipt_ids: Annotated[ReceiptIds, _choice(ReceiptIds)] = Field(
        ReceiptIds.AS_IS,
        description="how receipt ids relate to submit_sm_resp's message_id: as-is;"
        " hex->decimal (receipts give the hex id in decimal); decimal->hex (the reverse);"
        " with either, ids are stored as the decimal number",
    )

    @field_validator("data_coding")
    @classmethod
    def _known_coding(cls, value: int) -> int:
        if value not in DATA_CODINGS:
            raise problem("must be 8 (UCS2) or 0 (default alphabet when possible)")
        return value


def parse(name: str, options: Mapping[str, Any]) -> SmppOptions:
    return read(SmppOptions, name, options)
