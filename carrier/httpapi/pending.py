"""The parts accepted and not yet reported, for polling when the push does not come. Pure.

In memory per engine: a part sent by an engine that stops is no longer polled (its
report times out as NO_REPORT unless pushed); a push any engine receives ends its polling
here only on the engine that received it, and a report polled twice is stored once.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from hisms.carrier.httpapi.provider import Sent


class Pending:
    def __init__(self, wait: timedelta, again: timedelta, give_up: timedelta) -> None:
        self.wait = wait  # the first poll comes this long after submission
        self.again = again  # and again this often
        self.give_up = give_up  # until this long after submission
        self._sent: OrderedDict[str, Sent] = OrderedDict()  # by submission time
        self._polled: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self._sent)

    def add(self, sent: Sent) -> None:
        self._sent[sent.carrier_msg_id] = sent

    def done(self, carrier_msg_id: str) -> None:
        self._sent.pop(carrier_msg_id, None)
        self._polled.pop(carrier_msg_id, None)

    def due(self, now: datetime, limit: int = 1000) -> list[Sent]:
        """The parts to poll now (at most ``limit``), marked polled; those past
        ``give_up`` are dropped."""
        for msg_id, sent in list(self._sent.items()):
            if now - sent.at <= self.give_up:
                break
            self.done(msg_id)
        out: list[Sent] = []
        for msg_id, sent in self._sent.items():
            if now - sent.at < self.wait or len(out) >= limit:
                break
            last = self._polled.get(msg_id)
            if last is None or now - last >= self.again:
                out.append(sent)
        for sent in out:
            self._polled[sent.carrier_msg_id] = now
        return out
