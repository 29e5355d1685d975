"""What every protocol's inbound side makes: DeliveryReports, and MoMessages joined from parts.

A protocol subclasses :class:`Inbound` with an ``events(pdu)`` that reads its
DELIVER (or REPORT) and calls :meth:`~Inbound.report` or :meth:`~Inbound.mo`.
Long MO messages arrive as parts (UDH or SMPP sar_*); one MoMessage comes out
once all are in. Incomplete sets are forgotten after ``ttl`` seconds, so a lost
part never pins memory. A reply's sender is checked as an MT number is: one that
is not a mainland mobile number is kept as the gateway gave it (and logged), so
the reply is stored, never dropped.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage
from hisms.carrier.wire import numbers
from hisms.carrier.wire.times import GATEWAY_TZ
from hisms.carrier.wire.udh import Concat

log = logging.getLogger("hisms.carrier")

_Key = tuple[str, str, int, int]  # sender, service number, reference, total


class Inbound:
    def __init__(self, channel: str, ttl: float = 600.0, zone: ZoneInfo = GATEWAY_TZ) -> None:
        self.channel = channel
        self.ttl = ttl
        self.zone = zone  # of the gateway's clock: its report times are read in it
        self._parts: dict[_Key, tuple[float, dict[int, str]]] = {}

    def report(
        self,
        msg_id: str,
        stat: str,
        handset: str,
        error: str | None = None,
        done_at: datetime | None = None,
    ) -> list[CarrierEvent]:
        """DELIVRD is success; any other stat fails with ``error`` or, without one, the stat."""
        stat = stat.strip().upper()
        failure = None if stat == "DELIVRD" else error or stat
        phone = numbers.national(handset)
        return [
            DeliveryReport(self.channel, msg_id, stat, phone, error_code=failure, done_at=done_at)
        ]

    def mo(
        self, sender: str, service_number: str, concat: Concat | None, text: str
    ) -> list[CarrierEvent]:
        """The MoMessage once every part is in (at once for a whole message), else nothing."""
        phone = self._sender(sender)
        whole: str | None = text
        if concat is not None and concat.total > 1:
            whole = self._collect(phone, service_number, concat, text)
        return [] if whole is None else [MoMessage(self.channel, phone, service_number, whole)]

    def _sender(self, sender: str) -> str:
        phone = numbers.sender(sender)
        if not numbers.MOBILE.fullmatch(phone):
            log.warning(
                "%s: a reply from %r, not a mainland mobile number, is stored as given",
                self.channel,
                numbers.mask(phone),
            )
        return phone

    def _collect(self, phone: str, service_number: str, concat: Concat, text: str) -> str | None:
        now = time.monotonic()
        self._parts = {k: v for k, v in self._parts.items() if now - v[0] < self.ttl}
        key = (phone, service_number, concat.ref, concat.total)
        parts = self._parts.setdefault(key, (now, {}))[1]
        parts[concat.seq] = text
        if len(parts) < concat.total:
            return None
        del self._parts[key]
        return "".join(parts[i] for i in sorted(parts))
