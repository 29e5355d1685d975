"""What every protocol's inbound side makes: DeliveryReports, and MoMessages joined from parts.

A protocol subclasses :class:`Inbound` with an ``events(pdu)`` that reads its
DELIVER (or REPORT) and calls :meth:`~Inbound.report` or :meth:`~Inbound.mo`.
Long MO messages arrive as parts (UDH or SMPP sar_*); each comes out as a
MoPart, which the engine stores and joins with its siblings (they may arrive on
another link, or at another engine), so nothing waits in memory. A reply's
sender is checked as an MT number is: one that is not a mainland mobile number
is kept as the gateway gave it (and logged), so the reply is stored, never
dropped.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage, MoPart
from hisms.carrier.wire import numbers
from hisms.carrier.wire.times import GATEWAY_TZ
from hisms.carrier.wire.udh import Concat

log = logging.getLogger("hisms.carrier")


class Inbound:
    def __init__(self, channel: str, zone: ZoneInfo = GATEWAY_TZ) -> None:
        self.channel = channel
        self.zone = zone  # of the gateway's clock: its report times are read in it

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
        self,
        sender: str,
        service_number: str,
        concat: Concat | None,
        text: str,
        msg_id: str | None = None,
    ) -> list[CarrierEvent]:
        """A MoMessage for a whole message, a MoPart for one part of a long one; ``msg_id``
        is the gateway's id of this DELIVER (None where the protocol has none): the engine
        stores what the gateway sends again under the same id only once."""
        phone = self._sender(sender)
        if concat is not None and concat.total > 1:
            c = concat
            return [
                MoPart(
                    self.channel,
                    phone,
                    service_number,
                    c.ref,
                    c.total,
                    c.seq,
                    text,
                    gateway_msg_id=msg_id,
                )
            ]
        return [MoMessage(self.channel, phone, service_number, text, gateway_msg_id=msg_id)]

    def _sender(self, sender: str) -> str:
        phone = numbers.sender(sender)
        if not numbers.MOBILE.fullmatch(phone):
            log.warning(
                "%s: a reply from %r, not a mainland mobile number, is stored as given",
                self.channel,
                numbers.mask(phone),
            )
        return phone
