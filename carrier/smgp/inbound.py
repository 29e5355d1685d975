"""Turning a received SMGP DELIVER into a DeliveryReport or an MoMessage.

IsReport=1: the content is the status report text (:mod:`.report`); its id is
the SUBMIT_RESP's MsgID, so ``carrier_msg_id`` is the same 20 hex digits; a
failure's error code is the report's err, or its stat when err is all zeros.
Otherwise an MO, possibly one part of a long message (TP_udhi TLV + UDH).
"""

from __future__ import annotations

from hisms.carrier.base import CarrierEvent
from hisms.carrier.smgp import msgid
from hisms.carrier.smgp.pdus import Deliver
from hisms.carrier.wire import inbound
from hisms.carrier.wire.times import gateway_time


class Inbound(inbound.Inbound):
    def events(self, deliver: Deliver) -> list[CarrierEvent]:
        """Raises RemoteProtocolError for an unreadable report or UDH."""
        report = deliver.report
        if report is None:
            return self.mo(
                deliver.src_term_id,
                deliver.dest_term_id,
                deliver.concat,
                deliver.text,
                msgid.to_str(deliver.msg_id),  # the SMGW's MsgID of the MO, kept on resends
            )
        err = report.err.strip()
        return self.report(
            report.msg_id_str,
            report.stat,
            deliver.src_term_id,
            error=err if err.strip("0") else None,
            done_at=gateway_time(report.done_date, self.zone),
        )
