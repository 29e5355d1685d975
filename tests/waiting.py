"""Waiting on a condition instead of sleeping: a hang fails in seconds, saying what it awaited.

``timeout`` bounds the wait; with ``progress`` it bounds the time *without progress*
instead (the deadline restarts whenever ``progress()`` changes), so a long run that
keeps moving may take its time while a stalled one fails quickly. The pytest-timeout
of the test still bounds the whole.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

# The first checks come quickly, then every 0.2 s at most: some predicates query a database.
FIRST_PAUSE, MAX_PAUSE = 0.005, 0.2


class _Deadline:
    def __init__(self, timeout: float, what: str, progress: Callable[[], Any] | None) -> None:
        self.timeout, self.what, self.progress = timeout, what, progress
        self.started = self.moved = time.monotonic()
        self.last = progress() if progress else None

    def check(self) -> None:
        now = time.monotonic()
        if self.progress is not None and (seen := self.progress()) != self.last:
            self.last, self.moved = seen, now
        if now - self.moved > self.timeout:
            idle = "without progress " if self.progress else ""
            state = f" (progress stuck at {self.last!r})" if self.progress else ""
            pytest.fail(f"waited {self.timeout:g}s {idle}for {self.what}{state}", pytrace=False)

    def took(self) -> float:
        return time.monotonic() - self.started


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    what: str,
    progress: Callable[[], Any] | None = None,
) -> float:
    """Poll ``predicate`` until it is true; the seconds it took."""
    deadline, pause = _Deadline(timeout, what, progress), FIRST_PAUSE
    while not predicate():
        deadline.check()
        time.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)
    return deadline.took()


async def until(
    predicate: Callable[[], object | Awaitable[object]],
    timeout: float,
    what: str,
    progress: Callable[[], Any] | None = None,
) -> float:
    """:func:`wait_until` inside an event loop; ``predicate`` may be a coroutine function."""
    deadline, pause = _Deadline(timeout, what, progress), FIRST_PAUSE
    while not await _value(predicate()):
        deadline.check()
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE)
    return deadline.took()


async def _value(result: object | Awaitable[object]) -> object:
    return await result if isinstance(result, Awaitable) else result
