"""Turning a received CMPP_DELIVER into a DeliveryReport or an MoMessage.

A report's id is the SUBMIT_RESP's Msg_Id, so ``carrier_msg_id`` is the same
16 hex digits. Long MO messages arrive as parts with a UDH (TP_udhi sent as 1
or, by some gateways, as 0x40).
"""

from __future__ import annotations

from hisms.carrier.base import CarrierEvent
from hisms.carrier.cmpp import msgid
from hisms.carrier.cmpp.pdus import Deliver
from hisms.carrier.wire import inbound
from hisms.carrier.wire.times import gateway_time


class Inbound(inbound.Inbound):
    def events(self, deliver: Deliver) -> list[CarrierEvent]:
        """Raises RemoteProtocolError for an unreadable report or UDH."""
        report = deliver.report
        if report is None:
            return self.mo(
                deliver.src_terminal_id,
                deliver.dest_id,
                deliver.concat,
                deliver.text,
                msgid.to_str(deliver.msg_id),  # the ISMG's Msg_Id of the MO, kept on resends
            )
        msg_id, done_at = msgid.to_str(report.msg_id), gateway_time(report.done_time, self.zone)
        return self.report(msg_id, report.stat, report.dest_terminal_id, done_at=done_at)
