"""End to end with the generic HTTP gateway: rows -> ``hisms run`` (a subprocess) -> the
aggregator simulator on 127.0.0.1, which pushes reports and replies to the engine's HTTP
server (``/callbacks/agg/...``), or keeps them for the engine's pulls; SQLite and
PostgreSQL. The channel is ``etc/http-gateway.toml``'s, pointed at the simulator.
"""

from __future__ import annotations

import sqlite3
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hisms.carrier.aggregator.simulator import HttpGatewaySimulator
from hisms.carrier.simulator import SimConfig
from hisms.engine.bench.harness import free_port, toml_value
from hisms.engine.segment import count
from tests.integration.e2e.conftest import EngineProcess, SimThread
from tests.integration.e2e.test_failover import gateway_process

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT, SECRET = "hisms", "agg-s3cret"
LONG = (
    "尊敬的患者：您的心内科门诊改到周五上午九点，请携带身份证和医保卡提前三十分钟到二楼取号。" * 3
)
ASK = "明天上午9点预约复诊，确认请回复1"  # the simulator's MO rule answers "1"


def sample_channel() -> dict[str, Any]:
    (channel,) = tomllib.loads((ROOT / "etc" / "http-gateway.toml").read_text("utf-8"))["channels"]
    return dict(channel)


class World:
    """The database (SQLite or PostgreSQL), the simulator thread, the engines."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        self.tmp_path = tmp_path
        self.url = url
        self.callback_port = free_port()
        self.sims: list[SimThread] = []
        self.engines: list[EngineProcess] = []

    # -- pieces ----------------------------------------------------------------

    def simulator(self, pushes: bool = True, **config: Any) -> SimThread:
        base = f"http://127.0.0.1:{self.callback_port}/callbacks/agg"
        drop = config.pop("drop_push_ratio", 0.0)
        settings = SimConfig(ACCOUNT, SECRET, report_delay=0.05, mo_delay=0.05, **config)

        def make(c: SimConfig) -> HttpGatewaySimulator:
            urls = (f"{base}/report", f"{base}/mo") if pushes else ("", "")
            return HttpGatewaySimulator(c, report_url=urls[0], mo_url=urls[1], drop_push_ratio=drop)

        sim = SimThread(settings, make)  # type: ignore[arg-type]
        self.sims.append(sim)
        return sim

    def channel(self, sim_port: int, **changes: Any) -> dict[str, Any]:
        channel = sample_channel()
        gateway = f"http://127.0.0.1:{sim_port}"
        channel.update(
            url=f"{gateway}/sms/send",
            report_pull_url=f"{gateway}/sms/report",
            mo_pull_url="",
            secret=SECRET,
            rate=0,
            report_wait_seconds=30,
            poll_every_seconds=0.2,
            throttle_wait_seconds=0.2,
            drain_seconds=1,
        )
        channel.update(changes)
        return channel

    def config(self, channels: Sequence[dict[str, Any]], extra: Sequence[str] = ()) -> Path:
        engine = {
            "batch_size": 200,
            "lease_seconds": 30,
            "poll_min_seconds": 0.02,
            "poll_max_seconds": 0.5,
            "writeback_every_seconds": 0.05,
            "retry_base_seconds": 0.3,
            "retry_max_seconds": 1,
            "max_attempts": 50,
            "channel_wait_seconds": 0.5,
        }
        lines = [
            "[database]",
            f"url = {toml_value(self.url)}",
            "[engine]",
            *(f"{k} = {toml_value(v)}" for k, v in engine.items()),
            "[validation]",
            'default_signature = "测试医院"',
            '[sources.HIS]\next = "01"',
            "[monitoring]",
            "enabled = false",
            f"port = {self.callback_port}",
            "[health]",
            "poll_seconds = 0.5",
            "up_after_seconds = 1",
            *extra,
        ]
        for channel in channels:
            lines.append("[[channels]]")
            tables = {k: v for k, v in channel.items() if isinstance(v, dict)}
            lines += [f"{k} = {toml_value(v)}" for k, v in channel.items() if k not in tables]
            for table, values in tables.items():
                lines.append(f"[channels.{table}]")
                lines += [f"{toml_value(k)} = {toml_value(v)}" for k, v in values.items()]
        path = self.tmp_path / f"hisms-{len(self.engines)}.toml"
        path.write_text("\n".join(lines) + "\n", "utf-8")
        return path

    def run(self, channels: Sequence[dict[str, Any]], extra: Sequence[str] = ()) -> EngineProcess:
        log = self.tmp_path / f"engine-{len(self.engines)}.log"
        engine = EngineProcess(self.config(channels, extra), log)
        self.engines.append(engine)
        return engine

    # -- the database ----------------------------------------------------------

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params or None).fetchall()  # type: ignore[arg-type]

    def insert(self, rows: Sequence[tuple[str, str]]) -> list[int]:
        """(phone, content) rows of source system HIS in one statement; their ids."""
        values = ", ".join(["('HIS', %s, %s)"] * len(rows))
        params = [value for row in rows for value in row]
        sql = f"INSERT INTO sms_outbox (source_system, phone, content) VALUES {values} RETURNING id"
        return sorted(r[0] for r in self.query(sql, *params))

    def counts(self) -> dict[int, int]:
        return dict(self.query("SELECT status, count(*) FROM sms_outbox GROUP BY status"))  # type: ignore[arg-type]

    def wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        started = time.monotonic()
        while not predicate():
            if time.monotonic() - started > timeout:
                tail = self.engines[-1].log()[-3000:] if self.engines else ""
                pytest.fail(f"timed out waiting for {what}; counts {self.counts()}\n{tail}")
            for engine in self.engines:
                if not engine.killed and engine.proc.poll() is not None:
                    pytest.fail(f"hisms run exited with {engine.proc.returncode}:\n{engine.log()}")
            time.sleep(0.1)

    def delivered(self, n: int) -> Callable[[], bool]:
        return lambda: self.counts().get(3, 0) == n

    def close(self) -> None:
        codes = [engine.stop() for engine in self.engines if not engine.killed]
        for sim in self.sims:
            sim.close()
        assert codes == [0] * len(codes), "hisms run did not stop cleanly on SIGTERM"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    w = World(tmp_path, str(url))
    try:
        yield w
    finally:
        w.close()


def test_short_and_long_delivered_by_push_and_a_reply_correlated(world: World) -> None:
    sim = world.simulator()
    world.run([world.channel(sim.port)])
    short, long, ask = world.insert(
        [("13800138000", "复诊提醒"), ("13900139000", LONG), ("13700137000", ASK)]
    )
    world.wait(world.delivered(3), 30, "three DELIVERED")
    rows = world.query(
        "SELECT outbox_id, total, carrier_msg_id FROM sms_segment ORDER BY outbox_id"
    )
    assert [r[0] for r in rows] == [short, long, ask]  # one segment per provider answer
    billed = {r[0]: r[1] for r in rows}
    assert billed[short] == 1 and billed[long] == count("【测试医院】" + LONG) == 3
    assert rows[1][2].endswith(":13900139000")  # the gateway's id, told apart by number
    # The message's segments become the gateway's count when it is final, and the engine's
    # rollup (consumption detail, reports) bills them: 1 + 3 + 1 delivered.
    assert world.query("SELECT segments FROM sms_outbox WHERE id = %s", long) == [(3,)]
    world.wait(
        lambda: world.query("SELECT sum(segments) FROM sms_rollup WHERE status = 3") == [(5,)],
        15,
        "the rollup's delivered segments at the gateway's count",
    )
    world.wait(lambda: bool(world.query("SELECT 1 FROM sms_inbox")), 10, "the reply")
    assert world.query("SELECT phone, content, outbox_id, source_system FROM sms_inbox") == [
        ("13700137000", "1", ask, "HIS")
    ]
    pushed = sim.call(lambda: (sim.sim.push.pushes, sim.sim.push.pulled))
    assert pushed[0] >= 4 and pushed[1] == 0


def test_lost_pushes_are_pulled(world: World) -> None:
    sim = world.simulator(drop_push_ratio=1.0)
    world.run([world.channel(sim.port, report_wait_seconds=0.5)])
    world.insert([(f"1380013{i:04d}", "检验报告已出") for i in range(20)])
    world.wait(world.delivered(20), 30, "20 DELIVERED by polling")
    dropped, pulled = sim.call(lambda: (sim.sim.push.dropped, sim.sim.push.pulled))
    assert dropped == 20 and pulled == 20


def test_reports_and_replies_pulled_when_nothing_is_pushed(world: World) -> None:
    """No callback URL given to the aggregator: reports come by ``report_pull_url`` and the
    reply by ``mo_pull_url`` (signed pulls), and the reply is correlated to its message."""
    sim = world.simulator(pushes=False)
    gateway = f"http://127.0.0.1:{sim.port}"
    world.run([world.channel(sim.port, mo_pull_url=f"{gateway}/sms/mo", report_wait_seconds=0.5)])
    _, ask = world.insert([("13800138000", "复诊提醒"), ("13700137000", ASK)])
    world.wait(world.delivered(2), 30, "two DELIVERED by pulls")
    world.wait(lambda: bool(world.query("SELECT 1 FROM sms_inbox")), 15, "the pulled reply")
    assert world.query("SELECT phone, content, outbox_id, source_system FROM sms_inbox") == [
        ("13700137000", "1", ask, "HIS")
    ]
    pushes, pulled = sim.call(lambda: (sim.sim.push.pushes, sim.sim.push.pulled))
    assert pushes == 0 and pulled == 3, (pushes, pulled)


def test_throttled_answers_are_sent_again(world: World) -> None:
    sim = world.simulator()
    world.run([world.channel(sim.port)])
    world.wait(world.engines[-1].started, 30, "the engine")
    sim.call(lambda: sim.sim.throttle_for(1.0))
    world.insert([(f"1390013{i:04d}", "复诊提醒") for i in range(10)])
    world.wait(world.delivered(10), 30, "10 DELIVERED after throttling")
    throttled, submits = sim.call(lambda: (sim.sim.counters.throttled, sim.sim.counters.submits))
    # A request carries the numbers of a batch: waits of 0.2, 0.4 s, then the engine's
    # backoff; never a request per number, nor a loop.
    assert throttled >= 2 and submits - throttled <= 3 and submits < 30, (throttled, submits)


def test_a_wrong_secret_takes_the_channel_down_without_a_hot_loop(world: World) -> None:
    sim = world.simulator()
    world.run([world.channel(sim.port, secret="wrong", down_min_seconds=1, down_max_seconds=2)])
    world.insert([(f"1370013{i:04d}", "复诊提醒") for i in range(5)])
    world.wait(lambda: "refused our key" in world.engines[-1].log(), 15, "the refusal")
    time.sleep(4)
    refused = sim.call(lambda: sim.sim.push.refused)
    assert 1 <= refused <= 5, refused  # a try after each DOWN (1 s, then 2 s), not a loop
    statuses = world.query("SELECT DISTINCT status, error_code FROM sms_outbox")
    assert all(status == 0 for status, _ in statuses), statuses  # waiting, none failed
    assert "agg-s3cret" not in world.engines[-1].log() and "wrong" not in world.engines[-1].log()


@pytest.mark.postgres
def test_http_backup_takes_over_when_the_cmpp_gateway_dies(tmp_path: Path, pg_url: str) -> None:
    world = World(tmp_path, pg_url)
    cmpp_port = free_port()
    cmpp = gateway_process(cmpp_port)
    try:
        sim = world.simulator()
        cmpp_channel = {
            "name": "main",
            "protocol": "cmpp",
            "host": "127.0.0.1",
            "port": cmpp_port,
            "version": "3.0",
            "source_addr": "901234",
            "secret": "s3cret-Pa55",
            "src_number": "10690123",
            "rate": 100,  # the run lasts: most rows are still waiting at the kill
            "response_timeout_seconds": 5,
            "link_wait_seconds": 30,
            "reconnect_min_seconds": 0.1,
            "reconnect_max_seconds": 0.5,
            "drain_seconds": 1,
        }
        routing = [
            "[[routing.rules]]",
            'name = "default"',
            'group = "g"',
            "[routing.groups]",
            'g = [{ channel = "main", weight = 100 }, { channel = "agg", weight = 0 }]',
        ]
        world.run([cmpp_channel, world.channel(sim.port)], routing)
        world.insert([(f"1380000{i:04d}", "检验报告已出") for i in range(2000)])
        world.wait(lambda: world.counts().get(3, 0) >= 100, 60, "main's traffic")
        assert sim.call(lambda: sim.sim.counters.submits) == 0
        cmpp.kill()
        cmpp.wait()
        world.wait(
            lambda: world.counts().get(0, 0) + world.counts().get(1, 0) == 0, 60, "all submitted"
        )
        channels = dict(world.query("SELECT channel, count(*) FROM sms_outbox GROUP BY channel"))
        assert channels.get("agg", 0) > 0 and channels["main"] >= 100, channels
        by_agg = world.query("SELECT count(*) FROM sms_outbox WHERE channel = 'agg' AND status = 3")
        world.wait(
            lambda: (
                world.query(
                    "SELECT count(*) FROM sms_outbox WHERE channel = 'agg' AND status <> 3"
                )[0][0]
                == 0
            ),
            30,
            "the backup's rows DELIVERED",
        )
        assert by_agg[0][0] >= 0 and world.counts().get(4, 0) == 0
        log = world.engines[-1].log()
        assert "channel main is DOWN" in log and "fails over from main to agg" in log
    finally:
        cmpp.kill()
        cmpp.wait()
        world.close()
