"""The protocol-independent half of every gateway simulator: listening, routing, the decisions.

A protocol simulator subclasses :class:`GatewaySimulator` and says how to speak
on one accepted connection (:meth:`~GatewaySimulator.session`, a
:class:`~hisms.carrier.simulator.session.PduSession`). Everything not about
bytes lives here: what to do with each submit (:meth:`~GatewaySimulator.decide`:
drop, no answer, throttle, accept), the deterministic report mix, MO replies by
rule or on demand, routing of reports and MO to a logged-in connection of the
account (kept until one logs in), and the counters tests read. It is an async
context manager that listens on 127.0.0.1, port 0 by default;
:attr:`GatewaySimulator.port` is the bound port.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from abc import ABC, abstractmethod
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from hisms.carrier.session.listener import Listener
from hisms.carrier.simulator.config import (
    Counters,
    PendingMo,
    PendingReport,
    ReportPlan,
    SimConfig,
)
from hisms.carrier.wire.errors import ProtocolError

if TYPE_CHECKING:
    from hisms.carrier.simulator.session import PduSession

log = logging.getLogger(__name__)
# A timer may fire this much before its time (the loop's clock resolution): reports due
# within it go with the batch rather than in a turn of their own.
DUE_EARLY_SECONDS = 0.001


class Decision(enum.Enum):
    """What the gateway does with one submit, by the fault knobs."""

    DROP = "drop"  # close the connection: everything unanswered is lost
    SILENT = "silent"  # never answer (resend tests)
    THROTTLE = "throttle"  # answer with the protocol's flow-control code
    LOSE_ANSWER = "lose answer"  # take it (and report it) but lose the answer on the way
    ACCEPT = "accept"


class SimSession(Protocol):
    """What a protocol's per-connection handler offers for outgoing traffic."""

    def send_report(self, report: PendingReport) -> None: ...

    def send_mo(self, mo: PendingMo) -> None: ...


class GatewaySimulator(ABC):
    def __init__(self, config: SimConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.faults = config.faults
        self.counters = Counters()
        self.plan = ReportPlan(config)
        self.host = host
        self.port = port
        self._listener = Listener(self._accept, host, port)
        self._sessions: list[SimSession] = []
        self._backlog: list[PendingReport | PendingMo] = []
        self._timers: set[asyncio.TimerHandle] = set()
        # Reports due in time order, under one timer (see _report_later).
        self._due: deque[tuple[float, PendingReport]] = deque()
        self._due_timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> GatewaySimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self._listener.start()
        self.port = self._listener.port

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._due_timer is not None:
            self._due_timer.cancel()
        await self._listener.stop()

    @abstractmethod
    def session(self, writer: asyncio.StreamWriter) -> PduSession[Any]:
        """The handler that speaks the protocol on one accepted connection."""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = self.session(writer)
        try:
            await session.run(reader)
        finally:
            self.logged_out(session)

    # -- knobs and API for tests --------------------------------------------

    def now(self) -> datetime:
        """The gateway's clock: every time it writes is in its own zone."""
        return datetime.now(self.config.timezone)

    def throttle_for(self, seconds: float) -> None:
        self.faults.throttle_until = time.monotonic() + seconds

    def drop_connections(self) -> int:
        """Close every client connection at once, mid-window, as a gateway restart does;
        how many. What they left unanswered is lost; unacknowledged reports and MO are
        sent again once a client logs in."""
        return self._listener.close_connections()

    def send_mo(self, phone: str, content: str, service_number: str) -> None:
        """A handset sends ``content`` to ``service_number`` (extension included)."""
        self._dispatch(PendingMo(phone, service_number, content))

    def send_mo_parts(self, phone: str, parts: list[str], service_number: str, ref: int) -> None:
        """A long reply in ``parts`` (UDH reference ``ref``), part n on the account's
        connection n (modulo how many are logged in), as a gateway may spread them."""
        for n, text in enumerate(parts):
            udh = bytes([5, 0, 3, ref & 0xFF, len(parts), n + 1])
            self._dispatch(PendingMo(phone, service_number, text, udh), n)

    def flood_mo(self, count: int, rate: float, service_number: str) -> None:
        """``count`` replies, each from its own handset (139 + 8 digits of n), at ``rate`` a
        second: a flood for backpressure tests."""
        for n in range(count):
            mo = PendingMo(f"139{n:08d}", service_number, f"flood {n}")
            self._later(n / rate, self._dispatch, mo)

    def flood_reports(self, count: int, rate: float, service_number: str) -> None:
        """``count`` delivery reports for ids this gateway never issued, each to its own
        handset (137 + 8 digits of n), at ``rate`` a second: a flood for backpressure tests
        (the engine keeps each in ``sms_report_unmatched``)."""
        for n in range(count):
            report = PendingReport(
                self.unknown_id(), f"137{n:08d}", "DELIVRD", self.now(), service_number
            )
            self.counters.unknown_reports += 1
            self._later(n / rate, self._dispatch, report)

    # -- for protocol handlers -----------------------------------------------

    def logged_in(self, session: SimSession) -> None:
        self._sessions.append(session)
        backlog, self._backlog = self._backlog, []
        for item in backlog:
            self._dispatch(item)

    def logged_out(self, session: object) -> None:
        """``session`` closed; it may never have logged in."""
        self._sessions = [s for s in self._sessions if s is not session]

    def redeliver(self, items: list[PendingReport | PendingMo]) -> None:
        """Send again what a closed connection never acknowledged, as a gateway does."""
        for item in items:
            self.counters.redelivered += 1
            self._dispatch(item)

    def decide(self) -> Decision:
        """Count one submit and decide its fate: the same ladder for every protocol."""
        counters, faults = self.counters, self.faults
        counters.submits += 1
        if faults.drop_after_submits and counters.submits == faults.drop_after_submits:
            return Decision.DROP
        if faults.no_resp:
            counters.unanswered += 1
            return Decision.SILENT
        if self._throttled():
            counters.throttled += 1
            return Decision.THROTTLE
        if faults.lose_answers > 0:
            faults.lose_answers -= 1
            counters.unanswered += 1
            return Decision.LOSE_ANSWER
        return Decision.ACCEPT

    def _throttled(self) -> bool:
        return time.monotonic() < self.faults.throttle_until or self.plan.chance(
            self.faults.throttle_ratio
        )

    def accepted(
        self, msg_id: Any, phone: str, service_number: str, text: str, report: bool
    ) -> None:
        """Book an accepted submit: counters, its report, and any MO rule it triggers."""
        self.counters.accepted += 1
        self.counters.per_phone[phone] += 1
        if report:
            self._schedule_report(
                PendingReport(msg_id, phone, self.plan.stat(), self.now(), service_number)
            )
        for rule in self.config.mo_rules:
            if rule.keyword in text:
                mo = PendingMo(phone, service_number, rule.reply)
                self._later(self.config.mo_delay, self._dispatch, mo)
                break

    def unknown_id(self) -> Any:
        """An id for an unsolicited report; protocols override when ids are not ints."""
        return random.getrandbits(63)

    def _schedule_report(self, report: PendingReport) -> None:
        delay = self.plan.jitter(self.config.report_delay)
        self._report_later(delay, report)
        if self.plan.chance(self.faults.duplicate_ratio):
            self.counters.duplicate_reports += 1
            self._report_later(self.plan.jitter(delay), report)
        if self.plan.chance(self.faults.unknown_report_ratio):
            self.counters.unknown_reports += 1
            unknown = PendingReport(
                self.unknown_id(),
                report.phone,
                "DELIVRD",
                report.submitted_at,
                report.service_number,
            )
            self._report_later(delay, unknown)

    def _report_later(self, delay: float, report: PendingReport) -> None:
        """Dispatch ``report`` after ``delay``. Every report waits the same delay unless
        shuffled, so they fall due in the order they come: one queue under one timer, and
        the reports due at one time go out in one turn of the loop (one write), rather
        than a timer each. One due before the queue's last (a shuffled or a changed
        delay) gets a timer of its own."""
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        if self._due and due < self._due[-1][0]:
            self._later(delay, self._dispatch, report)
            return
        self._due.append((due, report))
        if self._due_timer is None:
            self._due_timer = loop.call_at(due, self._release_reports)

    def _release_reports(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time() + DUE_EARLY_SECONDS
        while self._due and self._due[0][0] <= now:
            self._dispatch(self._due.popleft()[1])
        self._due_timer = None
        if self._due:
            self._due_timer = loop.call_at(self._due[0][0], self._release_reports)

    def _dispatch(self, item: PendingReport | PendingMo, connection: int = 0) -> None:
        if not self._sessions:
            self._backlog.append(item)
            return
        session = self._sessions[connection % len(self._sessions)]
        if isinstance(item, PendingReport):
            self.counters.reports_sent += 1
            session.send_report(item)
        else:
            self.counters.mo_sent += 1
            session.send_mo(item)

    def _later(self, delay: float, callback: Any, *args: Any) -> None:
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(handle)
            callback(*args)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counters.connections += 1
        try:
            await self.serve(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except ProtocolError as exc:
            log.warning("simulator: dropping a client that broke the protocol: %s", exc)
