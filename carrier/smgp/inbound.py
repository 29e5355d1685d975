"""Turning a received SMGP DELIVER into a DeliveryReport or an MoMessage.

IsReport=1: the content is the status report text (:mod:`.report`); its id is
the SUBMIT_RESP's MsgID, so ``carrier_msg_id`` is the same 20 hex digits.
Otherwise an MO, possibly one part of a long message (TP_udhi TLV + UDH).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage
from hisms.carrier.sgip.concat import MoParts
from hisms.carrier.sgip.numbers import without_86
from hisms.carrier.smgp.pdus import Deliver
from hisms.carrier.smgp.report import Report

_GATEWAY_TZ = ZoneInfo("Asia/Shanghai")


def report_event(channel: str, report: Report, phone: str) -> DeliveryReport:
    stat = report.stat.strip().upper()
    err = report.err.strip()
    failure = None if stat == "DELIVRD" else (err if err.strip("0") else stat)
    return DeliveryReport(
        channel=channel,
        carrier_msg_id=report.msg_id_str,
        stat=stat,
        phone=without_86(phone),
        error_code=failure,
        done_at=_gateway_time(report.done_date),
    )


def _gateway_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%y%m%d%H%M").replace(tzinfo=_GATEWAY_TZ)
    except ValueError:
        return None


class Inbound:
    """One channel's DELIVER interpreter; keeps the parts of long MO messages."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._mo = MoParts()

    def events(self, deliver: Deliver) -> list[CarrierEvent]:
        """Raises RemoteProtocolError for an unreadable report or UDH."""
        report = deliver.report
        if report is not None:
            return [report_event(self.channel, report, deliver.src_term_id)]
        phone = without_86(deliver.src_term_id)
        whole = self._mo.add(phone, deliver.dest_term_id, deliver.concat, deliver.text)
        if whole is None:
            return []
        return [MoMessage(self.channel, phone, deliver.dest_term_id, whole)]
