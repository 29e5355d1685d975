"""Turning what the SMG sends to our listener into DeliveryReports and MoMessages.

REPORT names the SUBMIT by its sequence, so ``carrier_msg_id`` is that
sequence's string form, as in the SUBMIT's result. Only final reports become
events: an interim "waiting" (ENROUTE) must not reach the engine, which takes
any stat but DELIVRD as a failure. DELIVER is an MO, possibly one part of a
long message (TP_udhi + UDH).
"""

from __future__ import annotations

from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage
from hisms.carrier.sgip.concat import MoParts
from hisms.carrier.sgip.numbers import without_86
from hisms.carrier.sgip.pdus import Deliver, Report


def report_events(channel: str, report: Report) -> list[CarrierEvent]:
    if not report.final:
        return []
    stat = report.stat
    return [
        DeliveryReport(
            channel=channel,
            carrier_msg_id=str(report.submit_sequence),
            stat=stat,
            phone=without_86(report.user_number),
            error_code=None if stat == "DELIVRD" else stat,
        )
    ]


class MoInbound:
    """One channel's DELIVER interpreter; keeps the parts of long MO messages."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._parts = MoParts()

    def events(self, deliver: Deliver) -> list[CarrierEvent]:
        """Raises RemoteProtocolError for an unreadable UDH."""
        phone = without_86(deliver.user_number)
        whole = self._parts.add(phone, deliver.sp_number, deliver.concat, deliver.text)
        if whole is None:
            return []
        return [MoMessage(self.channel, phone, deliver.sp_number, whole)]
