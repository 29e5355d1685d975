"""Turning a received deliver_sm into a DeliveryReport or an MoMessage.

Receipts are parsed by :mod:`.report` (receipted_message_id and message_state
TLVs win over the text), their id read as the channel's ``receipt_ids`` says
(:mod:`.msgid`); a failure's error code is ``stat:err`` when err says
more than zero. Only final receipts become events (an interim ENROUTE or
ACCEPTD must not end the part), as SGIP drops its interim reports. Long MO
messages arrive as UDH or sar_* parts.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hisms.carrier.base import CarrierEvent
from hisms.carrier.smpp import msgid
from hisms.carrier.smpp.message import read_text
from hisms.carrier.smpp.pdus import DeliverSm
from hisms.carrier.smpp.report import from_deliver_sm, is_receipt
from hisms.carrier.wire import inbound

_NO_ERROR = ("", "0", "00", "000", "0000")


class Inbound(inbound.Inbound):
    def __init__(self, channel: str, receipt_ids: msgid.ReceiptIds, zone: ZoneInfo) -> None:
        super().__init__(channel, zone=zone)
        self.receipt_ids = receipt_ids

    def events(self, pdu: DeliverSm) -> list[CarrierEvent]:
        """Raises RemoteProtocolError for a receipt without an id or an unreadable UDH."""
        if not is_receipt(pdu):
            # SMPP 3.4 gives an MO deliver_sm no message id (its deliver_sm_resp's message_id
            # is unused, receipted_message_id is for receipts, sequence_number is per
            # session): a reply sent again after a reconnect is stored again.
            concat, content = read_text(pdu)
            return self.mo(pdu.source_addr, pdu.destination_addr, concat, content)
        receipt = from_deliver_sm(pdu, self.zone)
        if not receipt.final:
            return []
        error = None if receipt.err in _NO_ERROR else f"{receipt.stat}:{receipt.err}"
        return self.report(
            msgid.receipted(receipt.message_id, self.receipt_ids),
            receipt.stat,
            pdu.source_addr,
            error=error,
            done_at=receipt.done_at,
        )
