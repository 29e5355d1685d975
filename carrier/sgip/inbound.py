"""Turning what the SMG sends to our listener into DeliveryReports and MoMessages.

REPORT names the SUBMIT by its sequence, so ``carrier_msg_id`` is that
sequence's string form, as in the SUBMIT's result. Only final reports become
events: an interim "waiting" (ENROUTE) must not reach the engine, which takes
any stat but DELIVRD as a failure. DELIVER is an MO, possibly one part of a
long message (TP_udhi + UDH).
"""

from __future__ import annotations

from hisms.carrier.base import CarrierEvent
from hisms.carrier.sgip.pdus import Deliver, Report
from hisms.carrier.wire import inbound


class Inbound(inbound.Inbound):
    def events(self, pdu: Deliver | Report) -> list[CarrierEvent]:
        """Raises RemoteProtocolError for an unreadable UDH."""
        if isinstance(pdu, Deliver):
            # SGIP has no message id: the DELIVER's sequence (node, time, counter) is its key
            return self.mo(pdu.user_number, pdu.sp_number, pdu.concat, pdu.text, str(pdu.sequence))
        if not pdu.final:
            return []
        return self.report(str(pdu.submit_sequence), pdu.stat, pdu.user_number)
