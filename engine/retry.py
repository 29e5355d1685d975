"""When to try a transiently failed message again: exponential backoff with jitter."""

from __future__ import annotations

from datetime import datetime, timedelta

from tenacity import RetryCallState, Retrying, wait_exponential, wait_random

from hisms.carrier.base import utcnow

# Priority 0-1 (critical values, codes) waiting for a channel is looked at again this soon.
URGENT_WAIT_SECONDS = 1.0


class RetryPolicy:
    def __init__(
        self,
        max_attempts: int,
        base_seconds: float,
        max_seconds: float,
        wait_seconds: float = 5.0,
    ) -> None:
        self.max_attempts = max_attempts
        self.wait_seconds = wait_seconds  # waiting for a channel: no backoff, no attempt
        # Jitter spreads the retries of a throttled batch instead of returning them at once.
        self._wait = wait_exponential(multiplier=base_seconds, max=max_seconds) + wait_random(
            0, base_seconds
        )
        self._max = max_seconds

    def exhausted(self, attempt: int) -> bool:
        return attempt >= self.max_attempts

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th attempt (1-based) failed."""
        state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
        state.attempt_number = attempt
        return min(float(self._wait(state)), self._max)

    def next_at(self, attempt: int, now: datetime | None = None) -> datetime:
        return (now or utcnow()) + timedelta(seconds=self.delay(attempt))

    def wait_at(self, priority: int) -> datetime:
        """When a message waiting for a channel is looked at again: soon, urgent ones sooner."""
        wait = min(URGENT_WAIT_SECONDS, self.wait_seconds) if priority <= 1 else self.wait_seconds
        return utcnow() + timedelta(seconds=wait)
