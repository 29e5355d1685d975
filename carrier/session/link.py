"""One TCP link of a channel: login with backoff, the submit window, keep-alive.

A :class:`Link` loops for the life of the channel: connect and log in (retried
with exponential backoff, so a wrong secret never becomes a hot loop), then
serve until the link drops, then hand its unanswered submits back to the
channel queue and start over, after a wait that grows while links keep
dropping soon after their login (:class:`~hisms.carrier.session.login.Backoff`).
While serving, three tasks share the sans-IO connection: the reader (answers,
reports, MO), the sender (takes jobs from the queue while the window and the
rate limits allow) and the keep-alive (for a protocol without one, SGIP, an
idle link is logged out and stays dormant until a part is queued).
Every timer is an asyncio deadline; the protocol code never sleeps. The PDUs
produced in one turn of the event loop (a window of submits, the answers to a
read's worth of reports) go to the socket in one write at the end of the turn:
one system call instead of one per PDU.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hisms.carrier.base import CarrierEvent
from hisms.carrier.session.acks import answer_when_stored
from hisms.carrier.session.adapter import PeerRequest, ProtocolAdapter, SubmitAnswer
from hisms.carrier.session.login import (
    LOGIN_SEQ,
    READ_SIZE,
    Backoff,
    Connect,
    closed,
    open_with_backoff,
)
from hisms.carrier.session.queue import Job, JobQueue
from hisms.carrier.session.ratelimit import AdaptiveRate, TokenBucket
from hisms.carrier.session.settings import SessionSettings, SessionStats
from hisms.carrier.wire.connection import NEED_DATA, Connection, State
from hisms.carrier.wire.errors import LocalProtocolError

log = logging.getLogger(__name__)


class LinkOwner(Protocol):
    """What a link tells its channel: the fate of each job, its own ups and downs, events."""

    def settle(self, job: Job, answer: SubmitAnswer, limiter: AdaptiveRate) -> None: ...

    def resend(self, job: Job, why: str) -> None: ...

    def unencodable(self, job: Job, error: LocalProtocolError) -> None: ...

    def link_up(self, label: str) -> None: ...

    def link_down(self, label: str, reason: str, expected: bool) -> None: ...

    def login_failed(self, label: str, reason: str) -> None: ...

    def emit(self, event: CarrierEvent) -> None: ...

    @property
    def room(self) -> asyncio.Event:
        """Clear while the engine holds more events than it may: links stop reading."""
        ...


@dataclass(frozen=True, slots=True)
class LinkSetup:
    """Everything a link gets from its channel: no more than this."""

    label: str
    settings: SessionSettings
    adapter: ProtocolAdapter
    stats: SessionStats
    queue: JobQueue  # shared by the channel's links
    bucket: TokenBucket  # the channel-wide rate limit
    owner: LinkOwner
    connect: Connect  # asyncio.open_connection but in tests


@dataclass(slots=True)
class _InFlight:
    job: Job
    timer: asyncio.TimerHandle


class Link:
    def __init__(self, setup: LinkSetup) -> None:
        self.setup = setup
        self.label = setup.label
        self.limiter = AdaptiveRate(setup.settings.connection_rate)
        self.bound = False
        self.stopping = False
        self.dormant = False  # logged out while idle (no keep-alive); reopens on demand
        self._seq = 0
        self._inflight: dict[int, _InFlight] = {}
        self._window = asyncio.Semaphore(setup.settings.window)
        self._conn: Connection[Any] | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._unsent: list[bytes] = []  # written at the end of this turn of the loop
        self._last_rx = 0.0
        self._heard = asyncio.Event()  # set by every read: the keep-alive's answer or more
        self._idle = asyncio.Event()  # set when nothing is in flight
        self._backoff = Backoff(setup.settings)

    async def run(self) -> None:
        while not self.stopping:
            if self.dormant:
                await self.setup.queue.wait()
                self.dormant = False
            s = self.setup
            opened = await open_with_backoff(
                s.settings, s.adapter, s.stats, self._login_failed, self._backoff, s.connect
            )
            reader, writer = opened.reader, opened.writer
            self._conn, self._seq = opened.conn, LOGIN_SEQ
            reason, up_since = "stopped", time.monotonic()
            try:
                reason = await self._serve(reader, writer)
            finally:
                self.bound = False
                self._flush()
                writer.close()
                self._requeue_inflight(f"link dropped ({reason})")
                self.setup.owner.link_down(self.label, reason, self.stopping or self.dormant)
            await closed(writer)
            if not self.stopping and not self.dormant:
                await self._wait_to_reconnect(time.monotonic() - up_since)

    async def _wait_to_reconnect(self, lasted: float) -> None:
        self._backoff.link_lasted(lasted)
        delay = self._backoff.next()
        if delay > self._backoff.shortest:
            log.warning("%s: the link lasted %.1fs; next login in %.1fs", self.label, lasted, delay)
        await asyncio.sleep(delay)

    @property
    def in_flight(self) -> int:
        """Submits sent and not answered yet: how much of the window is used."""
        return len(self._inflight)

    async def shutdown(self) -> None:
        """Let in-flight answers arrive, then log out; the caller cancels ``run``."""
        self.stopping = True
        if not self.bound or self._conn is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.setup.settings.drain_seconds):
                await self._idle.wait()
        if self.bound and self._conn.state is State.BOUND:
            self._write(self.setup.adapter.logout(self._next_seq()))

    def _login_failed(self, reason: str, delay: float) -> None:
        log.error(
            "%s: cannot log in to the gateway: %s; next try in %.1fs", self.label, reason, delay
        )
        self.setup.owner.login_failed(self.label, reason)

    # -- serving -------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
        self._writer = writer
        self._window = asyncio.Semaphore(self.setup.settings.window)
        self._last_rx = time.monotonic()
        self._idle.set()
        self.bound = True
        self.setup.owner.link_up(self.label)
        tasks = [
            asyncio.create_task(self._read_loop(reader)),
            asyncio.create_task(self._send_loop()),
            asyncio.create_task(self._keepalive_loop()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return _reason(done.pop())

    async def _read_loop(self, reader: asyncio.StreamReader) -> str:
        conn = self._conn
        assert conn is not None
        while True:
            while (pdu := conn.next_event()) is not NEED_DATA:
                if self._handle(pdu):
                    return "the gateway ended the session"
            if conn.state is State.CLOSED:
                return "logged out"
            # Backpressure: while the engine is full, nothing more is read; the gateway,
            # whose reports and MO go unanswered, stops sending once its window is full.
            await self.setup.owner.room.wait()
            data = await reader.read(READ_SIZE)
            if not data:
                return "connection closed by the gateway"
            self._last_rx = time.monotonic()
            self._heard.set()
            conn.receive_data(data)

    def _handle(self, pdu: Any) -> bool:
        """Act on one received PDU; True when the peer ends the session."""
        incoming = self.setup.adapter.classify(pdu)
        if isinstance(incoming, SubmitAnswer):
            self._answered(incoming)
        elif isinstance(incoming, PeerRequest):
            events = incoming.events
            if incoming.reply is not None and events:
                events = answer_when_stored(events, self._answer_later(incoming.reply))
            elif incoming.reply is not None:
                self._write(incoming.reply)
            for event in events:
                self.setup.owner.emit(event)
            return incoming.closes
        return False

    def _answer_later(self, reply: Any) -> Callable[[], None]:
        """Send ``reply`` when called, if this connection is still up; else the gateway
        keeps the report or MO and sends it again."""
        conn = self._conn

        def answer() -> None:
            writer = self._writer
            up = conn is not None and conn.state is not State.CLOSED
            if self._conn is conn and up and writer is not None and not writer.is_closing():
                self._write(reply)

        return answer

    def _answered(self, answer: SubmitAnswer) -> None:
        entry = self._inflight.pop(answer.seq, None)
        if entry is None:
            self.setup.stats.late_answers += 1
            log.info("%s: answer to unknown or expired sequence %d", self.label, answer.seq)
            return
        entry.timer.cancel()
        self._release()
        self.setup.owner.settle(entry.job, answer, self.limiter)

    async def _send_loop(self) -> str:
        queue = self.setup.queue
        while True:
            await self._window.acquire()
            job = await queue.get()
            try:
                await self.setup.bucket.acquire()
                await self.limiter.acquire()
            except asyncio.CancelledError:
                queue.put(job, front=True)
                raise
            if self.stopping or not self._submit(job):
                queue.put(job, front=True)
                self._release()
                # The reader ends the link (logout answer, peer's TERMINATE); wait for it.
                await asyncio.Event().wait()
            assert self._writer is not None
            await self._writer.drain()

    def _submit(self, job: Job) -> bool:
        """Send ``job``; False if the session no longer takes submits."""
        conn = self._conn
        if conn is None or conn.state is not State.BOUND:
            return False
        seq = self._next_seq()
        try:
            data = conn.send(self.setup.adapter.submit(job.submission, seq))
        except LocalProtocolError as exc:
            self.setup.owner.unencodable(job, exc)
            self._release()
            return True
        self._send(data)
        timeout = self.setup.settings.response_timeout_seconds
        timer = asyncio.get_running_loop().call_later(timeout, self._expired, seq)
        self._inflight[seq] = _InFlight(job, timer)
        self._idle.clear()
        self.setup.stats.sent += 1
        return True

    def _expired(self, seq: int) -> None:
        entry = self._inflight.get(seq)
        if entry is not None and not self.setup.owner.room.is_set():
            # Its answer may be waiting unread while the engine holds reading: wait again
            # rather than send the part a second time.
            timeout = self.setup.settings.response_timeout_seconds
            entry.timer = asyncio.get_running_loop().call_later(timeout, self._expired, seq)
            return
        entry = self._inflight.pop(seq, None)
        if entry is not None:
            self._release()
            self.setup.owner.resend(entry.job, "no answer in time")

    async def _keepalive_loop(self) -> str:
        """A probe after every ``heartbeat_seconds`` without traffic; the link is dead when
        nothing at all comes back within ``dead_link_seconds`` of one."""
        s = self.setup.settings
        while True:
            idle = time.monotonic() - self._last_rx
            if idle < s.heartbeat_seconds:
                await asyncio.sleep(s.heartbeat_seconds - idle)
                continue
            probe = self.setup.adapter.keepalive(self._next_seq())
            if probe is None:
                return await self._close_idle()
            self._heard.clear()
            self._write(probe)
            try:
                async with asyncio.timeout(s.dead_link_seconds):
                    await self._heard.wait()
            except TimeoutError:
                if not self.setup.owner.room.is_set():
                    continue  # unread because the engine is full, not a dead link
                return f"no answer to keep-alive within {s.dead_link_seconds:g}s"

    async def _close_idle(self) -> str:
        """No keep-alive in the protocol (SGIP): log out of an idle link, reopen on demand."""
        s = self.setup.settings
        self.dormant = True
        self._write(self.setup.adapter.logout(self._next_seq()))
        await asyncio.sleep(s.dead_link_seconds)  # the reader ends first, on the answer
        return f"idle for {s.heartbeat_seconds:g}s, no answer to the logout"

    # -- helpers -------------------------------------------------------------

    def _write(self, pdu: Any) -> None:
        assert self._conn is not None
        self._send(self._conn.send(pdu))

    def _send(self, data: bytes) -> None:
        if not self._unsent:
            asyncio.get_running_loop().call_soon(self._flush)
        self._unsent.append(data)

    def _flush(self) -> None:
        data, self._unsent = b"".join(self._unsent), []
        if data and self._writer is not None and not self._writer.is_closing():
            self._writer.write(data)

    def _release(self) -> None:
        self._window.release()
        if not self._inflight:
            self._idle.set()

    def _requeue_inflight(self, why: str) -> None:
        entries, self._inflight = list(self._inflight.values()), {}
        for entry in entries:
            entry.timer.cancel()
            self.setup.owner.resend(entry.job, why)
        self._idle.set()

    def _next_seq(self) -> int:
        self._seq = self._seq % 0x7FFFFFFF + 1
        return self._seq


def _reason(task: asyncio.Task[str]) -> str:
    error = task.exception()
    return task.result() if error is None else f"{type(error).__name__}: {error}"
