"""Turning a received CMPP_DELIVER into a DeliveryReport or an MoMessage.

Long MO messages arrive as parts with a UDH (TP_udhi sent as 1 or, by some
gateways, as 0x40); the parts are joined here before one MoMessage is emitted.
Incomplete sets are forgotten after ``_MO_PARTS_TTL`` seconds.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from hisms.carrier import text, udh
from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage
from hisms.carrier.cmpp import msgid
from hisms.carrier.cmpp.pdus import Deliver
from hisms.carrier.cmpp.report import Report

_GATEWAY_TZ = ZoneInfo("Asia/Shanghai")
_UDHI_BITS = 0x41  # the CMPP bit, and SMPP's esm_class bit that some gateways copy
_MO_PARTS_TTL = 600.0


def national(number: str) -> str:
    """13800138000 from 8613800138000 / +8613800138000."""
    digits = number.removeprefix("+")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def report_event(channel: str, report: Report) -> DeliveryReport:
    stat = report.stat.strip().upper()
    return DeliveryReport(
        channel=channel,
        carrier_msg_id=msgid.to_str(report.msg_id),
        stat=stat,
        phone=national(report.dest_terminal_id),
        error_code=None if stat == "DELIVRD" else stat,
        done_at=_gateway_time(report.done_time),
    )


@functools.lru_cache(maxsize=256)  # to the minute: a burst of reports shares a few values
def _gateway_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%y%m%d%H%M").replace(tzinfo=_GATEWAY_TZ)
    except ValueError:
        return None


class MoAssembler:
    """Collects the parts of long MO messages per sender, service number and reference."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._parts: dict[tuple[str, str, int, int], tuple[float, dict[int, str]]] = {}

    def accept(self, deliver: Deliver) -> list[CarrierEvent]:
        phone = national(deliver.src_terminal_id)
        payload = deliver.msg_content
        concat = None
        if deliver.tp_udhi & _UDHI_BITS:
            concat, payload = udh.split(payload)
        content = text.decode(payload, deliver.msg_fmt)
        if concat is None or concat.total <= 1:
            return [MoMessage(self.channel, phone, deliver.dest_id, content)]
        whole = self._collect(
            (phone, deliver.dest_id, concat.ref, concat.total), concat.seq, content
        )
        return [] if whole is None else [MoMessage(self.channel, phone, deliver.dest_id, whole)]

    def _collect(self, key: tuple[str, str, int, int], seq: int, content: str) -> str | None:
        now = time.monotonic()
        self._parts = {k: v for k, v in self._parts.items() if now - v[0] < _MO_PARTS_TTL}
        parts = self._parts.setdefault(key, (now, {}))[1]
        parts[seq] = content
        if len(parts) < key[3]:
            return None
        del self._parts[key]
        return "".join(parts[i] for i in sorted(parts))
