"""End to end with SMGP: 2,000 sms_outbox rows on PostgreSQL -> Engine (in-process) ->
SMGP carrier -> SMGP simulator on 127.0.0.1, which drops the link once mid-window.

Every row ends DELIVERED or FAILED with its report written back, a long message
rolls up from its parts, an MO reply is correlated to its MT, nothing is lost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import psycopg

from hisms.carrier.simulator import Faults, SimConfig
from hisms.carrier.smgp.client import from_config
from hisms.carrier.smgp.simulator import SmgpSimulator
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.worker import Engine

ROWS = 2000
WINDOW = 16
CLIENT, SECRET = "90123456", "s3cret-Pa55"
LONG = (
    "尊敬的患者：您的心内科门诊改到周五上午九点，请携带身份证和医保卡提前三十分钟到二楼取号。" * 3
)
ASK = "明天上午9点预约复诊，确认请回复1"  # the simulator's MO rule answers "1"


def _channel(port: int) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": port,
        "client_id": CLIENT,
        "secret": SECRET,
        "src_number": "1189001",
        "window": WINDOW,
        "response_timeout_seconds": 5,
        "link_wait_seconds": 3,
        "reconnect_min_seconds": 0.05,
        "reconnect_max_seconds": 0.5,
        "drain_seconds": 2,
    }


def _settings(url: str, port: int) -> Settings:
    return Settings(
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            worker_id="e2e",
            batch_size=500,
            poll_min_seconds=0.01,
            poll_max_seconds=0.1,
            writeback_every_seconds=0.05,
            retry_base_seconds=0.2,
            retry_max_seconds=1,
            max_attempts=20,
        ),
        validation=ValidationConfig(default_signature="测试医院"),
        channels=[ChannelConfig(name="ctcc", protocol="smgp", **_channel(port))],
    )


def _settled(store: Store) -> bool:
    counts = store.status_counts()
    return counts["DELIVERED"] + counts["FAILED"] == ROWS


def test_2000_rows_through_the_smgp_simulator(pg_url: str) -> None:
    store = open_store(pg_url)
    long_id, ask_id = store.enqueue(
        [NewMessage("15312345678", LONG), NewMessage("15300001111", ASK)], "t"
    )
    store.enqueue([NewMessage(f"133{i:08d}", "您的检验报告已出") for i in range(ROWS - 2)], "t")
    # The reply comes well after the MT's batch is written back, as a patient's would.
    config = SimConfig(CLIENT, SECRET, report_delay=0.05, fail_ratio=0.05, seed=3, mo_delay=2.0)
    config.faults = Faults(resp_delay=0.005, drop_after_submits=700)  # mid-window, once

    async def scenario() -> tuple[SmgpSimulator, float, int]:
        async with SmgpSimulator(config) as sim:
            carrier = from_config("ctcc", _channel(sim.port))
            engine = Engine(_settings(pg_url, sim.port), store, {"ctcc": carrier})
            started = time.monotonic()
            task = asyncio.create_task(engine.run())
            try:
                await _until(lambda: _settled(store), f"all rows final; simulator {sim.counters}")
                took = time.monotonic() - started
                await _until(lambda: _inbox_count(pg_url) > 0, "the MO reply stored")
            finally:
                engine.stop()
                await task
            return sim, took, carrier.stats.resent

    sim, took, resent = asyncio.run(scenario())
    print(f"\nSMGP e2e: {ROWS} rows ({ROWS + 2} parts) final in {took:.2f}s, {ROWS / took:.0f}/s")

    counts = store.status_counts()
    assert counts["DELIVERED"] + counts["FAILED"] == ROWS and counts["FAILED"] > 0
    assert sim.counters.connections == 2 and 1 <= resent <= WINDOW  # the drop happened
    # Parts answered but lost with the link; the long message's 3 parts to one number add 2.
    assert sim.counters.duplicates - 2 <= WINDOW
    with psycopg.connect(pg_url) as conn:
        (unreported,) = conn.execute(
            "SELECT count(*) FROM sms_outbox WHERE report_stat IS NULL OR carrier_msg_id IS NULL"
        ).fetchone() or (None,)
        assert unreported == 0
        (wrong,) = conn.execute(
            "SELECT count(*) FROM sms_outbox WHERE (status = %s) <> (report_stat = 'DELIVRD')",
            (int(Status.DELIVERED),),
        ).fetchone() or (None,)
        assert wrong == 0
        inbox = conn.execute("SELECT phone, content, outbox_id FROM sms_inbox").fetchall()
    # Replies are at least once: one the gateway sent again because its answer was lost
    # with a connection (the simulator counts those) may be stored twice; none is lost.
    assert set(inbox) == {("15300001111", "1", ask_id)}
    assert len(inbox) <= 1 + sim.counters.redelivered

    long_row = store.get_message(long_id)
    segments = store.get_segments(long_id)
    assert long_row is not None and long_row["segments"] == 3 == len(segments)
    assert all(s["report_stat"] for s in segments) and long_row["report_stat"]
    assert all(len(s["carrier_msg_id"]) == 20 for s in segments)  # MsgID as 20 hex digits
    store.close()


async def _until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _inbox_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM sms_inbox").fetchone()
    return int(row[0]) if row else 0
