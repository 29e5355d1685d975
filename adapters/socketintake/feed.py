"""Reports and MO of source systems on their way to their clients' receiving links.

Each round asks the database, per source system with a receiving link, for the events its
client has not answered (``socket_events``) and hands each one not already out to the
link with the most room. An event is out on at most one link of this engine at a time;
it is handed out again when its link closes, when the client refuses it, or when no
answer came within ``resend_seconds``. When the client answers, ``ack_socket_event``
records it and it is never sent again: exactly once acknowledged per client, at least
once on the wire (a client may see an event twice if an answer is lost, or if two
engines each hold one of its links).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from hisms.adapters.socketintake.settings import ListenerConfig
from hisms.engine.store.base import Store, StoreError

log = logging.getLogger(__name__)
Event = dict[str, Any]


class Receiver(Protocol):
    """A link that can carry reports and MO to its client."""

    def deliver_room(self) -> int: ...

    def deliver(self, event: Event) -> None: ...

    def forget(self, event_id: int) -> None: ...


@dataclass(slots=True)
class _Out:
    source: str
    link: Receiver
    at: float


class Feed:
    def __init__(self, store: Store, cfg: ListenerConfig, worker: str) -> None:
        self.store = store
        self.cfg = cfg
        self.worker = worker
        self._links: dict[str, list[Receiver]] = defaultdict(list)
        self._out: dict[int, _Out] = {}  # event id -> where it is
        # Event id -> when its answer was recorded: a read that began before then may still
        # return it, and must not hand it out again.
        self._answered: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hisms-intake-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def attach(self, source: str, link: Receiver) -> None:
        self._links[source].append(link)
        self._wake.set()

    def detach(self, source: str, link: Receiver) -> None:
        """``link`` closed: what it had out goes out again on the next round."""
        if link in self._links.get(source, []):
            self._links[source].remove(link)
        for event_id in [i for i, out in self._out.items() if out.link is link]:
            del self._out[event_id]
        self._wake.set()

    async def acked(self, event: Event) -> None:
        """The client answered ``event``: recorded, then never handed out again."""
        try:
            await asyncio.to_thread(self.store.ack_socket_event, event, self.worker)
        except StoreError as exc:  # sent again later; the client answers it again
            log.warning("intake: could not record the answer to event %s: %s", event["id"], exc)
            return
        self._out.pop(event["id"], None)
        self._answered[event["id"]] = time.monotonic()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.cfg.poll_seconds):
                    await self._wake.wait()
            self._wake.clear()
            for source, links in list(self._links.items()):
                if links:
                    try:
                        await self._round(source, links)
                    except StoreError as exc:
                        log.warning("intake: reading events of %s failed: %s", source, exc)

    async def _round(self, source: str, links: list[Receiver]) -> None:
        now = time.monotonic()
        for event_id, out in list(self._out.items()):
            if out.source == source and now - out.at >= self.cfg.resend_seconds:
                del self._out[event_id]
                out.link.forget(event_id)
        room = sum(max(link.deliver_room(), 0) for link in links)
        if room <= 0:
            return
        out_here = sum(1 for out in self._out.values() if out.source == source)
        since = datetime.now(UTC) - timedelta(hours=self.cfg.replay_hours)
        read_at = time.monotonic()
        events = await asyncio.to_thread(self.store.socket_events, source, since, room + out_here)
        answered = self._answered
        for event in events:
            if event["id"] in self._out or event["id"] in answered:
                continue
            link = max(links, key=lambda candidate: candidate.deliver_room())
            if link.deliver_room() <= 0:
                break
            self._out[event["id"]] = _Out(source, link, time.monotonic())
            link.deliver(event)
        # Answers recorded before this read began are in what it saw: no longer needed.
        self._answered = {i: at for i, at in answered.items() if at >= read_at}
