"""Gateway-simulator machinery shared by the CMPP, SGIP, SMGP and SMPP simulators.

A protocol simulator subclasses :class:`GatewaySimulator` and implements
:meth:`~GatewaySimulator.serve` for one accepted TCP connection, usually with
the protocol's sans-IO ``Connection`` in ``Role.SERVER``. Everything that is
not about bytes lives here: the fault knobs (:class:`Faults`), the
deterministic report mix (:class:`ReportPlan`, seeded), MO replies by rule or
on demand, routing of reports and MO to a logged-in connection of the account
(kept until one logs in), and :class:`Counters` that tests read to count
logins, submits and duplicates. It is an async context manager that listens
on 127.0.0.1, port 0 by default; :attr:`GatewaySimulator.port` is the bound port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import click

from hisms.carrier.connection import NEED_DATA, Connection, State
from hisms.carrier.errors import ProtocolError

log = logging.getLogger("hisms.carrier.simulator")

FAILURE_STATS = ("UNDELIV", "EXPIRED", "REJECTD", "MK:0005", "MB:0008")


@dataclass(frozen=True, slots=True)
class MoRule:
    """An MT whose text contains ``keyword`` gets ``reply`` from the handset."""

    keyword: str
    reply: str


DEFAULT_MO_RULES = (MoRule("预约", "1"), MoRule("appointment", "1"), MoRule("退订", "TD"))


@dataclass(slots=True)
class Faults:
    throttle_ratio: float = 0.0  # this fraction of submits is answered "flow control"
    throttle_until: float = 0.0  # monotonic time: every submit before it is throttled
    drop_after_submits: int = 0  # close the connection on this (global) submit, once
    resp_delay: float = 0.0  # seconds before each submit answer
    no_resp: bool = False  # never answer submits (resend tests)
    lose_answers: int = 0  # accept (and report) this many submits but never answer them (CMPP)
    duplicate_ratio: float = 0.0  # reports sent twice
    shuffle_reports: bool = False  # reports in random order (random extra delay)
    unknown_report_ratio: float = 0.0  # extra reports for ids never issued


@dataclass(slots=True)
class SimConfig:
    account: str
    secret: str
    report_delay: float = 0.05
    fail_ratio: float = 0.0
    seed: int = 0
    mo_delay: float = 0.05
    mo_rules: tuple[MoRule, ...] = DEFAULT_MO_RULES
    faults: Faults = field(default_factory=Faults)


@dataclass(slots=True)
class Counters:
    connections: int = 0
    logins: int = 0  # login attempts, good or bad
    login_failures: int = 0
    submits: int = 0  # submit PDUs received
    accepted: int = 0
    throttled: int = 0
    unanswered: int = 0
    reports_sent: int = 0  # report DELIVERs sent, duplicates, unknown ids and re-sends included
    report_acks: int = 0
    duplicate_reports: int = 0  # reports scheduled a second time (duplicate_ratio)
    unknown_reports: int = 0  # reports for ids never issued (unknown_report_ratio)
    redelivered: int = 0  # reports/MO sent again: their connection closed unacknowledged
    mo_sent: int = 0
    per_phone: Counter[str] = field(
        default_factory=Counter, repr=False
    )  # accepted submits per number

    @property
    def duplicates(self) -> int:
        """Accepted submits beyond the first per number (meaningful with one part per number)."""
        return sum(n - 1 for n in self.per_phone.values() if n > 1)


@dataclass(frozen=True, slots=True)
class PendingReport:
    msg_id: Any  # the protocol's own id value
    phone: str
    stat: str
    submitted_at: datetime
    service_number: str


@dataclass(frozen=True, slots=True)
class PendingMo:
    phone: str
    service_number: str
    content: str


class SimSession(Protocol):
    """What a protocol's per-connection handler offers for outgoing traffic."""

    def send_report(self, report: PendingReport) -> None: ...

    def send_mo(self, mo: PendingMo) -> None: ...


class ReportPlan:
    """The deterministic sequence of stats and faults for one seed."""

    def __init__(self, config: SimConfig) -> None:
        self._rng = random.Random(config.seed)
        self._config = config

    def stat(self) -> str:
        if self._rng.random() < self._config.fail_ratio:
            return self._rng.choice(FAILURE_STATS)
        return "DELIVRD"

    def chance(self, ratio: float) -> bool:
        return ratio > 0 and self._rng.random() < ratio

    def jitter(self, delay: float) -> float:
        return delay * (1 + self._rng.random()) if self._config.faults.shuffle_reports else delay


class GatewaySimulator(ABC):
    def __init__(self, config: SimConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config
        self.faults = config.faults
        self.counters = Counters()
        self.plan = ReportPlan(config)
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._sessions: list[SimSession] = []
        self._backlog: list[PendingReport | PendingMo] = []
        self._timers: set[asyncio.TimerHandle] = set()

    async def __aenter__(self) -> GatewaySimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    @abstractmethod
    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Speak the protocol on one accepted connection until it closes."""

    # -- knobs and API for tests --------------------------------------------

    def throttle_for(self, seconds: float) -> None:
        self.faults.throttle_until = time.monotonic() + seconds

    def send_mo(self, phone: str, content: str, service_number: str) -> None:
        """A handset sends ``content`` to ``service_number`` (extension included)."""
        self._dispatch(PendingMo(phone, service_number, content))

    # -- for protocol handlers -----------------------------------------------

    def logged_in(self, session: SimSession) -> None:
        self._sessions.append(session)
        backlog, self._backlog = self._backlog, []
        for item in backlog:
            self._dispatch(item)

    def logged_out(self, session: SimSession) -> None:
        with contextlib.suppress(ValueError):
            self._sessions.remove(session)

    def redeliver(self, items: list[PendingReport | PendingMo]) -> None:
        """Send again what a closed connection never acknowledged, as a gateway does."""
        for item in items:
            self.counters.redelivered += 1
            self._dispatch(item)

    def throttled(self) -> bool:
        throttled = time.monotonic() < self.faults.throttle_until
        if throttled or self.plan.chance(self.faults.throttle_ratio):
            self.counters.throttled += 1
            return True
        return False

    def accepted(
        self, msg_id: Any, phone: str, service_number: str, text: str, report: bool
    ) -> None:
        """Book an accepted submit: counters, its report, and any MO rule it triggers."""
        self.counters.accepted += 1
        self.counters.per_phone[phone] += 1
        if report:
            self._schedule_report(
                PendingReport(msg_id, phone, self.plan.stat(), datetime.now(), service_number)
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
        self._later(delay, self._dispatch, report)
        if self.plan.chance(self.faults.duplicate_ratio):
            self.counters.duplicate_reports += 1
            self._later(self.plan.jitter(delay), self._dispatch, report)
        if self.plan.chance(self.faults.unknown_report_ratio):
            self.counters.unknown_reports += 1
            unknown = PendingReport(
                self.unknown_id(),
                report.phone,
                "DELIVRD",
                report.submitted_at,
                report.service_number,
            )
            self._later(delay, self._dispatch, unknown)

    def _dispatch(self, item: PendingReport | PendingMo) -> None:
        if not self._sessions:
            self._backlog.append(item)
            return
        session = self._sessions[0]
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
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        self.counters.connections += 1
        try:
            await self.serve(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except ProtocolError as exc:
            log.warning("simulator: dropping a client that broke the protocol: %s", exc)
        finally:
            self._writers.discard(writer)
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()


class PduSession(ABC):
    """One connection of a simulator speaking a sans-IO ``Connection``: read, handle, send."""

    def __init__(self, conn: Connection[Any], writer: asyncio.StreamWriter) -> None:
        self.conn = conn
        self.writer = writer

    async def run(self, reader: asyncio.StreamReader) -> None:
        """Handle PDUs until the peer logs out or closes, or :meth:`handle` closes."""
        while True:
            while (pdu := self.conn.next_event()) is not NEED_DATA:
                self.handle(pdu)
                if self.writer.is_closing():
                    return
            if self.conn.state is State.CLOSED:
                return
            data = await reader.read(65536)
            if not data:
                return
            self.conn.receive_data(data)

    @abstractmethod
    def handle(self, pdu: Any) -> None: ...

    def send(self, pdu: Any) -> None:
        if not self.writer.is_closing() and self.conn.state is not State.CLOSED:
            self.writer.write(self.conn.send(pdu))

    def answer_later(self, pdu: Any, delay: float) -> None:
        """A submit answer after the ``resp_delay`` fault (now when 0)."""
        if delay:
            asyncio.get_running_loop().call_later(delay, self.send, pdu)
        else:
            self.send(pdu)


# -- the command line every protocol's ``hisms simulate`` shares ------------------

_FAULT_OPTIONS = (
    click.option("--report-delay", default=0.5, show_default=True, type=float, help="seconds"),
    click.option("--fail-ratio", default=0.0, show_default=True, type=float),
    click.option("--throttle-ratio", default=0.0, show_default=True, type=float),
    click.option(
        "--drop-after", default=0, show_default=True, type=int, help="close at this submit, once"
    ),
    click.option("--resp-delay", default=0.0, show_default=True, type=float, help="seconds"),
    click.option("--mo-delay", default=0.5, show_default=True, type=float, help="seconds"),
    click.option("--seed", default=0, show_default=True, type=int),
)


def fault_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the report mix and fault knobs; the command passes them to :func:`sim_config`."""
    for option in reversed(_FAULT_OPTIONS):
        command = option(command)
    return command


def sim_config(account: str, secret: str, **knobs: Any) -> SimConfig:
    faults = Faults(
        throttle_ratio=knobs["throttle_ratio"],
        drop_after_submits=knobs["drop_after"],
        resp_delay=knobs["resp_delay"],
    )
    return SimConfig(
        account,
        secret,
        report_delay=knobs["report_delay"],
        fail_ratio=knobs["fail_ratio"],
        seed=knobs["seed"],
        mo_delay=knobs["mo_delay"],
        faults=faults,
    )


def run_forever(sim: GatewaySimulator, banner: Callable[[], str]) -> None:
    """Run ``sim`` until interrupted, printing its counters every 10 s."""
    logging.basicConfig(level=logging.INFO)

    async def main() -> None:
        async with sim:
            click.echo(banner())
            started = time.monotonic()
            while True:
                await asyncio.sleep(10)
                c = sim.counters
                click.echo(
                    f"{time.monotonic() - started:.0f}s: logins {c.logins}, submits {c.submits}, "
                    f"reports {c.reports_sent}, MO {c.mo_sent}"
                )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
