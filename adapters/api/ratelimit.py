"""Requests per second per caller: a token bucket each, in this engine's memory."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class Bucket:
    """``rate`` tokens a second up to ``burst``; :meth:`take` answers the wait, 0 = go."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when a request may go now (a token is spent), else the seconds to wait."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self._rate


def retry_after(wait: float) -> int:
    """Whole seconds for the Retry-After header (at least 1)."""
    return max(1, math.ceil(wait))
