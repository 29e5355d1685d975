"""Requests in flight, at most a limit that the channel shares can change at any time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class Standby(Exception):
    """The limit is 0: this engine holds no share of the channel now."""


class Gate:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.busy = 0
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: self.busy < self.limit or self.limit == 0)
            if self.limit == 0:
                raise Standby
            self.busy += 1
        try:
            yield
        finally:
            async with self._changed:
                self.busy -= 1
                self._changed.notify_all()

    async def resize(self, limit: int) -> None:
        async with self._changed:
            self.limit = limit
            self._changed.notify_all()

    async def idle(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.busy == 0)
