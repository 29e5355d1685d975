"""Alarm events into ``sms_alarm``, kept in memory while the database cannot take them.

Writing never holds up a notification: it runs in the background, one write at a
time, and what it could not write waits for the next try (at most ``limit`` events,
the oldest dropped first, each drop logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from hisms.engine.store.base import AlarmEvent, Store, StoreError

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, store: Store, limit: int) -> None:
        self.store = store
        self._waiting: deque[AlarmEvent] = deque()
        self._limit = limit
        self._writing: asyncio.Task[None] | None = None
        self._failing = False

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def add(self, event: AlarmEvent) -> None:
        if len(self._waiting) >= self._limit:
            lost = self._waiting.popleft()
            log.error("alarm journal full: %s %s not stored", lost.alarm, lost.event)
        self._waiting.append(event)
        self.kick()

    def kick(self) -> None:
        """Start writing what waits, unless a write is already under way."""
        if self._waiting and (self._writing is None or self._writing.done()):
            self._writing = asyncio.ensure_future(self._write())

    async def drain(self) -> None:
        """Wait for the write under way (at shutdown)."""
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)

    async def _write(self) -> None:
        events = list(self._waiting)
        try:
            await asyncio.to_thread(self.store.record_alarms, events)
        except StoreError as exc:
            if not self._failing:
                log.warning("alarm events kept in memory, the database refused them: %s", exc)
            self._failing = True
            return
        self._failing = False
        for event in events:  # not popleft: a full journal may have dropped some meanwhile
            if event in self._waiting:
                self._waiting.remove(event)
