"""What an SMSC sends us: deliver_sm as a DeliveryReport or an MoMessage, and
undecodable PDUs turned into something the session can answer with generic_nack.

Receipts are parsed by :mod:`.receipt` (receipted_message_id and message_state
TLVs win over the text). Long MO messages arrive as UDH or sar_* parts and are
joined by the CMPP assembler's part collector before one MoMessage is emitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage
from hisms.carrier.cmpp.inbound import MoAssembler, national
from hisms.carrier.connection import Connection, NeedData
from hisms.carrier.smpp.codec import UndecodablePdu
from hisms.carrier.smpp.message import read_text
from hisms.carrier.smpp.pdus import DeliverSm, Pdu
from hisms.carrier.smpp.receipt import Receipt

_SMSC_TZ = ZoneInfo("Asia/Shanghai")  # receipt dates are the SMSC's local time
_NO_ERROR = ("", "0", "00", "000", "0000")


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A PDU whose header was readable but whose command or body was not."""

    sequence_number: int
    status: int
    reason: str


class SmppConnection(Connection[Any]):
    """A Connection that hands an undecodable PDU back as :class:`Undecodable`
    instead of raising, so the session answers it with generic_nack (spec 2.3)
    and keeps the link: the frame is consumed and the state left as it was."""

    def next_event(self) -> Pdu | Undecodable | NeedData:
        try:
            event: Pdu | NeedData = super().next_event()
        except UndecodablePdu as exc:
            return Undecodable(exc.sequence_number, exc.status, str(exc))
        return event


def report_event(channel: str, receipt: Receipt, handset: str) -> DeliveryReport:
    stat = receipt.stat
    error = None
    if stat != "DELIVRD":
        error = stat if receipt.err in _NO_ERROR else f"{stat}:{receipt.err}"
    return DeliveryReport(
        channel=channel,
        carrier_msg_id=receipt.message_id,
        stat=stat,
        phone=national(handset),
        error_code=error,
        done_at=_local(receipt.done_at),
    )


def _local(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=_SMSC_TZ) if moment else None


class SmppMoAssembler(MoAssembler):
    """MO deliver_sm -> MoMessage, long ones once every part has arrived."""

    def accept_sm(self, pdu: DeliverSm) -> list[CarrierEvent]:
        phone = national(pdu.source_addr)
        concat, content = read_text(pdu)
        if concat is None or concat.total <= 1:
            return [MoMessage(self.channel, phone, pdu.destination_addr, content)]
        key = (phone, pdu.destination_addr, concat.ref, concat.total)
        whole = self._collect(key, concat.seq, content)
        return [] if whole is None else [MoMessage(self.channel, phone, key[1], whole)]
