"""The session's job queue and rate limits."""

from __future__ import annotations

import asyncio
import time

from hisms.carrier.base import Outcome, Submission, SubmitKey
from hisms.carrier.session.queue import Job, JobQueue
from hisms.carrier.session.ratelimit import AdaptiveRate, TokenBucket


def job(outbox_id: int, priority: int) -> Job:
    sub = Submission(SubmitKey(outbox_id, 1, 1), "13800138000", "x", b"", priority=priority)
    return Job(sub, asyncio.get_running_loop().create_future())


def test_urgent_first_then_arrival_and_resends_in_front() -> None:
    async def scenario() -> list[int]:
        queue = JobQueue()
        for outbox_id, priority in [(1, 9), (2, 5), (3, 0), (4, 9), (5, 1)]:
            queue.put(job(outbox_id, priority))
        queue.put(job(6, 9), front=True)
        return [(await queue.get()).submission.key.outbox_id for _ in range(6)]

    assert asyncio.run(scenario()) == [3, 5, 2, 6, 1, 4]


def test_get_skips_abandoned_jobs_and_waits_for_new_ones() -> None:
    async def scenario() -> int:
        queue = JobQueue()
        abandoned = job(1, 5)
        abandoned.future.cancel()
        queue.put(abandoned)
        getter = asyncio.create_task(queue.get())
        await asyncio.sleep(0.01)
        assert not getter.done()
        queue.put(job(2, 5))
        return (await getter).submission.key.outbox_id

    assert asyncio.run(scenario()) == 2


def test_take_waiting_since_and_finish_once() -> None:
    async def scenario() -> None:
        queue = JobQueue()
        old = job(1, 5)
        queue.put(old)
        cutoff = time.monotonic() + 0.001
        await asyncio.sleep(0.01)
        queue.put(job(2, 5))
        assert queue.take_waiting_since(cutoff) == [old] and len(queue) == 1
        old.finish(Outcome.RETRY, error_text="down")
        old.finish(Outcome.ACCEPTED)  # a late second result is ignored
        assert old.future.result().outcome is Outcome.RETRY

    asyncio.run(scenario())


def test_token_bucket_paces_and_unlimited_does_not_wait() -> None:
    async def timed(bucket: TokenBucket, n: int) -> float:
        started = time.monotonic()
        for _ in range(n):
            await bucket.acquire()
        return time.monotonic() - started

    assert asyncio.run(timed(TokenBucket(None), 1000)) < 0.1
    assert 0.25 < asyncio.run(timed(TokenBucket(100), 30)) < 0.6


def test_adaptive_rate_halves_then_recovers() -> None:
    async def scenario() -> None:
        limiter = AdaptiveRate(200, recover_seconds=0.05, hold_seconds=0.01)
        limiter.slow_down()
        assert limiter.bucket.rate == 100
        limiter.slow_down()  # inside the hold time: counted, not halved again
        assert limiter.bucket.rate == 100 and limiter.slowdowns == 2
        await asyncio.sleep(0.06)
        await limiter.acquire()
        assert limiter.bucket.rate == 200

    asyncio.run(scenario())


def test_unlimited_link_slows_to_half_its_observed_rate() -> None:
    async def scenario() -> None:
        limiter = AdaptiveRate(None, recover_seconds=0.05)
        for _ in range(50):
            await limiter.acquire()
        limiter.slow_down()
        assert limiter.bucket.rate is not None and limiter.bucket.rate > 10
        for _ in range(8):
            await asyncio.sleep(0.06)
            await limiter.acquire()
        assert limiter.bucket.rate is None

    asyncio.run(scenario())
