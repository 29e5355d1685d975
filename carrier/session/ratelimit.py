"""Rate limits for submits: a token bucket, and an adaptive rate for flow control.

A gateway that answers "flow control" (CMPP result 8, SMPP ESME_RTHROTTLED)
wants us slower, so :class:`AdaptiveRate` halves its rate on each throttle and
doubles it back after a quiet period (AIMD-like), up to the configured rate. An
unlimited link that gets throttled starts from the rate it was really sending.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

_MIN_RATE = 1.0


class TokenBucket:
    """``rate`` tokens per second with a burst of ``burst``; ``rate=None`` never waits."""

    def __init__(self, rate: float | None, burst: float | None = None, full: bool = False) -> None:
        self._tokens = float("inf") if full else 0.0  # full: the burst is there at once
        self._stamp = time.monotonic()
        self.set_rate(rate, burst)

    @property
    def rate(self) -> float | None:
        return self._rate

    def set_rate(self, rate: float | None, burst: float | None = None) -> None:
        self._rate = rate
        # A short burst keeps throughput smooth without letting a backlog flood the peer.
        self._burst = burst if burst is not None else max(1.0, (rate or 0) / 20)
        self._tokens = min(self._tokens, self._burst)

    async def acquire(self) -> None:
        while (delay := self._take()) > 0:
            await asyncio.sleep(delay)

    def try_take(self) -> bool:
        """Take a token if one is there now, without waiting (a server's throttle check)."""
        return self._take() == 0.0

    def _take(self) -> float:
        """0 if a token was taken, else the seconds until one is due."""
        if self._rate is None:
            return 0.0
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self._rate


class AdaptiveRate:
    """A per-connection bucket that slows down when the gateway throttles us.

    At most one halving per ``hold_seconds`` (a burst of throttled answers is one
    signal), never below 1/16 of the rate we had when throttling began; one
    doubling per ``recover_seconds`` without a throttle, back to the configured rate.
    """

    def __init__(
        self, rate: float | None, recover_seconds: float = 1.0, hold_seconds: float = 0.5
    ) -> None:
        self.configured = rate
        self.bucket = TokenBucket(rate)
        self.slowdowns = 0
        self._recover_seconds = recover_seconds
        self._hold_seconds = hold_seconds
        self._last_change = 0.0
        self._ceiling = rate or 0.0  # where throttling began; above it we are back to normal
        self._sent: deque[float] = deque(maxlen=256)

    async def acquire(self) -> None:
        self._maybe_recover()
        await self.bucket.acquire()
        self._sent.append(time.monotonic())

    def slow_down(self) -> None:
        now = time.monotonic()
        self.slowdowns += 1
        if now - self._last_change < self._hold_seconds:
            return
        self._last_change = now
        current = self.bucket.rate
        if current is None:
            current = self._ceiling = self._observed_rate(now)
        floor = max(_MIN_RATE, self._ceiling / 16)
        self.bucket.set_rate(max(floor, current / 2))

    def _maybe_recover(self) -> None:
        rate = self.bucket.rate
        if rate is None or rate == self.configured:
            return
        now = time.monotonic()
        if now - self._last_change < self._recover_seconds:
            return
        self._last_change = now
        doubled = rate * 2
        self.bucket.set_rate(self.configured if doubled >= self._ceiling else doubled)

    def _observed_rate(self, now: float) -> float:
        """Sends per second over the last second (or since the first send)."""
        recent = [t for t in self._sent if now - t <= 1.0]
        if len(recent) < 2:
            return _MIN_RATE * 16
        return max(_MIN_RATE, len(recent) / max(now - recent[0], 0.05))
