"""End to end on real sockets and real PostgreSQL: rows -> ``hisms run`` -> CMPP simulator
(or an SGIP one: ``e2e.simulator(protocol="sgip")``).

The simulator runs in a thread of the test process (its own event loop) so
tests can read its counters and inject faults or MO; the engine is the real
``hisms run`` command in a subprocess, configured by a TOML file that points
its channel at the simulator's port (``e2e.run(sim.port, **sim.channel)``; an
SGIP simulator also connects back to the engine's listener). Rows go in with plain SQL INSERTs,
as a source system in direct-table mode would write them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from hisms.carrier.cmpp import msgid, pdus
from hisms.carrier.cmpp.simulator import CmppSimulator, _Session
from hisms.carrier.sgip.simulator import SgipSimulator
from hisms.carrier.simulator import GatewaySimulator, PendingReport, SimConfig
from hisms.engine.bench import harness
from hisms.engine.bench.harness import EngineProcess, toml_value

ACCOUNT, SECRET = "901234", "s3cret-Pa55"
SRC_NUMBER = "10690123"
SOURCES = {"HIS": "01", "LIS": "02"}  # source system -> extension code
# What a channel of each protocol needs beyond the shared session options.
PROTOCOL_OPTIONS: dict[str, dict[str, Any]] = {
    "cmpp": {"name": "cmcc", "version": "3.0", "source_addr": ACCOUNT, "secret": SECRET,
             "service_id": "HISMS"},
    "sgip": {"name": "cucc", "node_id": 3020012345, "login_name": ACCOUNT,
             "login_password": SECRET, "listen_host": "127.0.0.1"},
}  # fmt: skip
T = TypeVar("T")


@dataclass(slots=True)
class Recorded:
    """What the simulator saw, for exact cross-checks against the database."""

    stats: dict[str, str] = field(default_factory=dict)  # carrier_msg_id -> report stat
    parts: list[tuple[int, int, bytes]] = field(default_factory=list)  # (pk_total, pk_number, udh)


class _RecordingSession(_Session):
    def on_submit(self, pdu: pdus.Submit) -> None:
        header = pdu.msg_content[: pdu.msg_content[0] + 1] if pdu.tp_udhi else b""
        self.sim.recorded.parts.append((pdu.pk_total, pdu.pk_number, header))  # type: ignore[attr-defined]
        super().on_submit(pdu)


class RecordingSimulator(CmppSimulator):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.recorded = Recorded()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _RecordingSession(self, writer)
        try:
            await session.run(reader)
        finally:
            self.logged_out(session)

    def _schedule_report(self, report: PendingReport) -> None:
        self.recorded.stats[msgid.to_str(report.msg_id)] = report.stat
        super()._schedule_report(report)


class SimThread(harness.SimThread):
    """The harness's simulator thread, a recording CMPP simulator unless told otherwise."""

    def __init__(
        self,
        config: SimConfig,
        make: Callable[[SimConfig], GatewaySimulator] = lambda c: RecordingSimulator(c, pdus.V30),
        channel: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(config, make, channel)


class E2E:
    """The pieces of one end-to-end test; see the module docstring."""

    def __init__(self, tmp_path: Path, pg_url: str) -> None:
        self.tmp_path = tmp_path
        self.url = pg_url
        self.src_number = SRC_NUMBER
        self.sims: list[SimThread] = []
        self.engines: list[EngineProcess] = []

    def simulator(self, protocol: str = "cmpp", **config: Any) -> SimThread:
        faults = config.pop("faults", None)
        settings = SimConfig(config.pop("account", ACCOUNT), config.pop("secret", SECRET), **config)
        if faults is not None:
            settings.faults = faults
        if protocol == "sgip":  # the SMG connects to the engine's listener at this port
            listen = harness.free_port()
            sim = SimThread(
                settings,
                lambda c: SgipSimulator(c, sp_port=listen),
                {"protocol": "sgip", "listen_port": listen},
            )
        else:
            sim = SimThread(settings)
        self.sims.append(sim)
        return sim

    def config(self, port: int, protocol: str = "cmpp", **channel: Any) -> Path:
        """A hisms.toml with one channel at ``port`` (options override the defaults;
        ``policy`` gives the ``[policy]`` section; ``intake={"smpp": {...}}`` adds
        [intake.*] sections, ``accounts`` a table each)."""
        policy = channel.pop("policy", {})
        intake: dict[str, dict[str, Any]] = channel.pop("intake", {})
        engine = {
            "batch_size": 500,
            "lease_seconds": 30,
            "poll_min_seconds": 0.02,
            "poll_max_seconds": 0.5,
            "writeback_every_seconds": 0.05,
            "retry_base_seconds": 0.5,
            "retry_max_seconds": 2,
            "max_attempts": 20,
            **channel.pop("engine", {}),
        }
        options = {
            "host": "127.0.0.1",
            "port": port,
            **PROTOCOL_OPTIONS[protocol],
            "src_number": SRC_NUMBER,
            "window": 16,
            "connections": 1,
            "response_timeout_seconds": 5,
            "link_wait_seconds": 2,
            "reconnect_min_seconds": 0.1,
            "reconnect_max_seconds": 1,
            "drain_seconds": 2,
            **channel,
        }
        text = [
            "[database]",
            f"url = {toml_value(self.url)}",
            "pool_size = 6",
            "[engine]",
            *(f"{k} = {toml_value(v)}" for k, v in engine.items()),
            "[validation]",
            'default_signature = "测试医院"',
            *(f'[sources.{name}]\next = "{ext}"' for name, ext in SOURCES.items()),
            "[policy]",
            *(f"{k} = {toml_value(v)}" for k, v in policy.items()),
            "[[channels]]",
            f'protocol = "{protocol}"',
            *(f"{k} = {toml_value(v)}" for k, v in options.items()),
            *_intaketoml_value(intake),
        ]
        path = self.tmp_path / f"hisms-{len(self.engines)}.toml"
        path.write_text("\n".join(text) + "\n", "utf-8")
        return path

    def run(self, port: int, **channel: Any) -> EngineProcess:
        engine = EngineProcess(
            self.config(port, **channel), self.tmp_path / f"engine-{len(self.engines)}.log"
        )
        self.engines.append(engine)
        return engine

    # -- database -------------------------------------------------------------

    def insert(self, rows: Sequence[tuple[str, str, str, str]]) -> list[int]:
        """INSERT (source_system, source_ref, phone, content) rows in one statement."""
        columns = [list(c) for c in zip(*rows, strict=True)]
        with psycopg.connect(self.url) as conn:
            got = conn.execute(
                "INSERT INTO sms_outbox (source_system, source_ref, phone, content) "
                "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) "
                "RETURNING id",
                columns,
            ).fetchall()
        return [r[0] for r in got]

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params or None).fetchall()

    def counts(self) -> dict[int, int]:
        return dict(self.query("SELECT status, count(*) FROM sms_outbox GROUP BY status"))  # type: ignore[arg-type]

    def wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> float:
        """Poll until ``predicate``; the seconds it took. Fails with the engine's log tail."""
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > timeout:
                tail = self.engines[-1].log()[-3000:] if self.engines else ""
                pytest.fail(
                    f"timed out after {timeout}s waiting for {what}; counts {self.counts()}\n{tail}"
                )
            for engine in self.engines:
                if not engine.killed and engine.proc.poll() is not None:
                    pytest.fail(f"hisms run exited with {engine.proc.returncode}:\n{engine.log()}")
            time.sleep(0.2)
        return time.monotonic() - started

    def all_final(self, total: int) -> Callable[[], bool]:
        return lambda: sum(n for s, n in self.counts().items() if s >= 3) == total

    def close(self) -> None:
        codes = [engine.stop() for engine in self.engines]
        for sim in self.sims:
            sim.close()
        pairs = zip(self.engines, codes, strict=True)
        codes = [code for engine, code in pairs if not engine.killed]  # SIGKILLed on purpose
        assert codes == [0] * len(codes), "hisms run did not stop cleanly on SIGTERM"


def _intaketoml_value(intake: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for name, listener in intake.items():
        lines.append(f"[intake.{name}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in listener.items() if k != "accounts"]
        for login, account in listener.get("accounts", {}).items():
            lines.append(f"[intake.{name}.accounts.{login}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in account.items()]
    return lines


@pytest.fixture
def e2e(tmp_path: Path, pg_url: str) -> Iterator[E2E]:
    world = E2E(tmp_path, pg_url)
    try:
        yield world
    finally:
        world.close()
