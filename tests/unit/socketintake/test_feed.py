"""The feed hands each report and MO to one link, and never again once the client answered."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime

from hisms.adapters.socketintake.feed import Event, Feed
from hisms.adapters.socketintake.settings import ListenerConfig


class SlowStore:
    """``socket_events`` reads what is unanswered when it starts and returns only when let."""

    def __init__(self) -> None:
        self.unanswered: list[Event] = [{"id": 1}, {"id": 2}]
        self.reading = threading.Event()
        self.go = threading.Event()

    def socket_events(self, source: str, since: datetime, limit: int) -> list[Event]:
        seen = list(self.unanswered)
        self.reading.set()
        assert self.go.wait(5)
        return seen[:limit]

    def ack_socket_event(self, event: Event, worker: str) -> None:
        self.unanswered = [e for e in self.unanswered if e["id"] != event["id"]]


class Link:
    def __init__(self) -> None:
        self.sent: list[int] = []

    def deliver_room(self) -> int:
        return 16

    def deliver(self, event: Event) -> None:
        self.sent.append(event["id"])

    def forget(self, event_id: int) -> None:
        pass


def test_an_answer_recorded_while_a_round_reads_is_not_sent_again() -> None:
    async def scenario() -> list[int]:
        store, link = SlowStore(), Link()
        feed = Feed(store, ListenerConfig(), "w")  # type: ignore[arg-type]
        store.go.set()
        await feed._round("LIS", [link])  # 1 and 2 out
        store.go.clear()
        store.reading.clear()
        reading = asyncio.create_task(feed._round("LIS", [link]))
        await asyncio.to_thread(store.reading.wait, 5)  # it has read 1 and 2 as unanswered
        await feed.acked({"id": 1})  # the client answers 1 meanwhile
        store.go.set()
        await reading
        await feed._round("LIS", [link])  # a later read no longer sees 1
        return link.sent

    assert asyncio.run(scenario()) == [1, 2]
