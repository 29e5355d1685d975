"""Values every open page shares for a while: made once per key and period, whatever the
number of sessions asking (2,500 dashboards refreshing every 5 s ask 500 times a second)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
log = logging.getLogger(__name__)


class Shared(Generic[V]):
    """A value per key, made again once it is ``seconds`` old. Only the first request for a
    key waits for it to be made (the others asking meanwhile wait for that one); later, an
    old value is answered at once while one task makes the next (a slow database delays
    the figures, never the pages). Different keys (a department's dashboard and
    everyone's) never see each other's value."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._values: dict[Hashable, tuple[float, V]] = {}
        self._first: dict[Hashable, asyncio.Lock] = {}
        self._making: dict[Hashable, asyncio.Task[None]] = {}

    async def get(self, key: Hashable, make: Callable[[], Awaitable[V]]) -> V:
        found = self._values.get(key)
        if found is None:
            async with self._first.setdefault(key, asyncio.Lock()):
                if key not in self._values:  # else made by the request this one waited for
                    self._values[key] = (self._clock(), await make())
            return self._values[key][1]
        if self._clock() - found[0] >= self._seconds and key not in self._making:
            self._making[key] = asyncio.create_task(self._again(key, make))
        return found[1]

    async def _again(self, key: Hashable, make: Callable[[], Awaitable[V]]) -> None:
        try:
            self._values[key] = (self._clock(), await make())
        except Exception:  # the old value stays; the next request tries again
            log.exception("console: could not refresh %r", key)
        finally:
            del self._making[key]
