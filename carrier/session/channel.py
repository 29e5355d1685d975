"""The protocol-independent asyncio client session behind every binary carrier.

A :class:`ChannelSession` is one gateway account: ``settings.connections``
:class:`~hisms.carrier.session.link.Link` s, one shared priority queue of
submissions (:mod:`~hisms.carrier.session.queue`), a channel-wide rate limit
and a per-connection adaptive one (:mod:`~hisms.carrier.session.ratelimit`). The
protocol arrives as a :class:`~hisms.carrier.session.adapter.ProtocolAdapter`
(documented in that module); CMPP, SGIP, SMGP and SMPP each write only that.

Outcomes: the adapter's verdict ACCEPTED -> ``Outcome.ACCEPTED`` with the
message id; THROTTLED -> the link halves its rate and the part goes back to
the front of the queue (``Outcome.RETRY`` only after ``max_throttles``);
FAILED -> ``Outcome.FAILED`` with the adapter's code and text. A part whose
answer never comes, or whose link drops, is submitted again up to
``max_resend`` times (counted in ``stats.resent``, logged), then ``RETRY``.
When no link is up, parts queued for ``link_wait_seconds`` get ``RETRY`` so
the engine can reschedule or fail over, and a ``ChannelState(up=False)``
event says why. :meth:`ChannelSession.resize` changes how many links are open
and the channel's rate while it runs: the engines of one database share a
channel's connections and rate (hisms.engine.shares). At-least-once: a
resend after a lost answer may duplicate at most one window of parts per
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from hisms.carrier.base import (
    CarrierEvent,
    ChannelState,
    EventSink,
    Outcome,
    Submission,
    SubmitResult,
)
from hisms.carrier.session.adapter import ProtocolAdapter, SubmitAnswer, Verdict
from hisms.carrier.session.link import Link, LinkSetup
from hisms.carrier.session.login import Connect
from hisms.carrier.session.queue import Job, JobQueue
from hisms.carrier.session.ratelimit import AdaptiveRate, TokenBucket
from hisms.carrier.session.settings import SessionSettings, SessionStats
from hisms.carrier.wire.errors import LocalProtocolError
from hisms.carrier.wire.numbers import mask
from hisms.engine.errors import ErrorCode

log = logging.getLogger(__name__)


class ChannelSession:
    def __init__(
        self,
        name: str,
        adapter: ProtocolAdapter,
        settings: SessionSettings,
        connect: Connect = asyncio.open_connection,
    ) -> None:
        self.name = name
        self._connect = connect
        self.adapter = adapter
        self.settings = settings
        self.stats = SessionStats()
        self.queue = JobQueue()
        self.bucket = TokenBucket(settings.rate)
        self.links = [Link(self._setup(i)) for i in range(settings.connections)]
        self._runs: dict[Link, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._on_event: EventSink | None = None
        self._room = asyncio.Event()
        self._room.set()
        self._state: tuple[bool, str] | None = None
        self._down_since = time.monotonic()

    @property
    def up(self) -> bool:
        return any(link.bound for link in self.links)

    async def start(self, on_event: EventSink) -> None:
        self._on_event = on_event
        self._down_since = time.monotonic()
        self._runs = {link: asyncio.create_task(link.run()) for link in self.links}
        self._tasks = [asyncio.create_task(self._sweep())]

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        if not self._tasks:
            return [
                SubmitResult(s.key, Outcome.RETRY, error_text="channel not started") for s in batch
            ]
        loop = asyncio.get_running_loop()
        jobs = [Job(sub, loop.create_future()) for sub in batch]
        for job in jobs:
            self.queue.put(job)
        return list(await asyncio.gather(*(job.future for job in jobs)))

    async def stop(self) -> None:
        """Drain in-flight answers, log out, close; parts still queued get RETRY."""
        links = [link for link in self.links if link.bound]
        await asyncio.gather(*(link.shutdown() for link in self.links))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                await _until_unbound(links)
        tasks = [*self._tasks, *self._runs.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks, self._runs = [], {}
        for job in self.queue.take_all():
            self._retry(job, "channel stopped")

    async def resize(self, connections: int, rate: float | None) -> None:
        """Keep ``connections`` links (extra ones are drained, logged out and closed before
        this returns) and submit at ``rate`` for the whole channel. With no link, the
        channel has nothing to say of the gateway: the next link's state is news."""
        if connections:  # with none the rate is moot; links still draining keep the old one
            self.bucket.set_rate(rate)
        if not self.links and connections:
            self._down_since = time.monotonic()
        while len(self.links) < connections:
            # Named by position (cmcc#0, #1...): links are added and removed at the end, and
            # a removed one is closed before this returns.
            link = Link(self._setup(len(self.links)))
            self.links.append(link)
            if self._tasks:
                self._runs[link] = asyncio.create_task(link.run())
        extra, self.links = self.links[connections:], self.links[:connections]
        await asyncio.gather(*(link.shutdown() for link in extra))
        closing = [self._runs.pop(link) for link in extra if link in self._runs]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.drain_seconds + 2):
                await _until_unbound(extra)
        for task in closing:
            task.cancel()
        await asyncio.gather(*closing, return_exceptions=True)
        if not self.links:
            self._state = None

    def hand_back(self, reason: str) -> int:
        """Finish the parts still queued as RETRY (the engine fails them over); how many."""
        jobs = [job for job in self.queue.take_all() if not job.done]
        for job in jobs:
            self._retry(job, reason)
        return len(jobs)

    # -- the LinkOwner the links report to -------------------------------------

    def settle(self, job: Job, answer: SubmitAnswer, limiter: AdaptiveRate) -> None:
        if answer.verdict is Verdict.ACCEPTED:
            self.stats.accepted += 1
            job.finish(Outcome.ACCEPTED, carrier_msg_id=answer.msg_id)
        elif answer.verdict is Verdict.THROTTLED:
            self.stats.throttled += 1
            limiter.slow_down()
            job.throttles += 1
            if job.throttles > self.settings.max_throttles:
                self._retry(job, f"throttled {job.throttles} times by the gateway")
            else:
                self.queue.put(job, front=True)
        else:
            self.stats.failed += 1
            log.warning(
                "%s: gateway refused part %d for %s: %s %s",
                self.name,
                job.submission.seq,
                mask(job.submission.phone),
                answer.error_code,
                answer.error_text,
            )
            job.finish(Outcome.FAILED, error_code=answer.error_code, error_text=answer.error_text)

    def resend(self, job: Job, why: str) -> None:
        job.resends += 1
        if job.resends > self.settings.max_resend:
            self._retry(job, f"{why}; gave up after {self.settings.max_resend} resends")
            return
        self.stats.resent += 1
        log.info(
            "%s: resending part %d for %s (%s), resend %d of %d",
            self.name,
            job.submission.seq,
            mask(job.submission.phone),
            why,
            job.resends,
            self.settings.max_resend,
        )
        self.queue.put(job, front=True)

    def unencodable(self, job: Job, error: LocalProtocolError) -> None:
        self.stats.failed += 1
        log.error("%s: cannot encode part %d: %s", self.name, job.submission.seq, error)
        job.finish(Outcome.FAILED, error_code=ErrorCode.ENCODE, error_text=str(error))

    def link_up(self, label: str) -> None:
        bound = sum(lk.bound for lk in self.links)
        log.info("%s: logged in (%d of %d connections up)", label, bound, len(self.links))
        self._report(True, f"{bound} of {len(self.links)} connections up")

    def link_down(self, label: str, reason: str, expected: bool) -> None:
        """``expected``: the link was stopped or logged out of while idle."""
        if expected:
            log.info("%s: closed: %s", label, reason)
            return
        self.stats.drops += 1
        log.warning("%s: link down: %s", label, reason)
        if not self.up:
            self._down_since = time.monotonic()
            self._report(False, f"link down: {reason}")

    def login_failed(self, label: str, reason: str) -> None:
        if not self.up:
            self._report(False, reason)

    @property
    def room(self) -> asyncio.Event:
        return self._room

    def hold_events(self, room: asyncio.Event) -> None:
        self._room = room

    def emit(self, event: CarrierEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:  # the engine's bug must not kill the link
            log.exception("%s: event handler failed for %r", self.name, event)

    # -- internals -----------------------------------------------------------

    def _setup(self, index: int) -> LinkSetup:
        return LinkSetup(
            f"{self.name}#{index}",
            self.settings,
            self.adapter,
            self.stats,
            self.queue,
            self.bucket,
            owner=self,
            connect=self._connect,
        )

    def _report(self, up: bool, detail: str) -> None:
        if self._state != (up, detail):
            self._state = (up, detail)
            self.emit(ChannelState(self.name, up, detail))

    def _retry(self, job: Job, why: str) -> None:
        self.stats.retried += 1
        job.finish(Outcome.RETRY, error_code=ErrorCode.RETRY, error_text=why)

    async def _sweep(self) -> None:
        """Hand parts back as RETRY while no link is up for ``link_wait_seconds``."""
        wait = self.settings.link_wait_seconds
        while True:
            await asyncio.sleep(min(1.0, wait / 4))
            now = time.monotonic()
            if self.up or now - self._down_since < wait:
                continue
            detail = self._state[1] if self._state else "not connected"
            for job in self.queue.take_waiting_since(now - wait):
                self._retry(job, f"channel down for {now - self._down_since:.0f}s: {detail}")


async def _until_unbound(links: list[Link]) -> None:
    while any(link.bound for link in links):
        await asyncio.sleep(0.01)
