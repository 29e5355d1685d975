"""A daily quota charged by two engines at once on PostgreSQL: exactly the quota is sent,
the rest is held PENDING with its reason, and a raised quota lets more go."""

from __future__ import annotations

import asyncio
from datetime import date

import psycopg

from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.billing.accounts import Account
from hisms.engine.config import (
    BillingConfig,
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.errors import ErrorCode
from hisms.engine.health import HealthConfig
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.policystore import Who
from hisms.engine.worker import Engine
from tests.waiting import until

MESSAGES, QUOTA, RAISED = 120, 50, 80


def settings(url: str, worker: str) -> Settings:
    return Settings(
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            worker_id=worker,
            batch_size=7,  # many small batches: the engines interleave their charges
            poll_min_seconds=0.01,
            poll_max_seconds=0.05,
            writeback_every_seconds=0.05,
        ),
        validation=ValidationConfig(default_signature="测试医院"),
        channels=[ChannelConfig(name="lb", protocol="loopback")],
        health=HealthConfig(poll_seconds=0.1),
        billing=BillingConfig(quota_recheck_seconds=0.2, rollup_every_seconds=0.1),
    )


def sent(store: Store) -> int:
    counts = store.status_counts()
    return counts["SUBMITTED"] + counts["DELIVERED"]


def held(store: Store, ids: list[int]) -> list[int]:
    return [
        r["id"]
        for r in store.find_messages(ids=ids)
        if r["status"] == 0 and r["error_code"] == ErrorCode.QUOTA_HELD
    ]


def put(store: Store, daily: int) -> None:
    account = Account(account="WARD", dept_code="D01", daily_quota=daily)
    store.put_policy("account", account.row(), Who("test"))


async def both(url: str, store: Store, ids: list[int]) -> None:
    stores = [open_store(url) for _ in range(2)]
    engines = [
        Engine(settings(url, f"e{n}"), s, {"lb": LoopbackCarrier("lb", report_delay=0.01)})
        for n, s in enumerate(stores)
    ]
    tasks = [asyncio.create_task(e.run()) for e in engines]
    try:
        await until(
            lambda: asyncio.to_thread(lambda: len(held(store, ids)) == MESSAGES - QUOTA),
            30,
            f"{MESSAGES - QUOTA} messages held",
        )
        assert sent(store) == QUOTA
        put(store, RAISED)
        await until(lambda: asyncio.to_thread(lambda: sent(store) == RAISED), 30, f"{RAISED} sent")
        await asyncio.sleep(0.5)  # a few more rechecks: nothing beyond the raised quota goes
        assert sent(store) == RAISED
        assert {e.counts["claimed"] > 0 for e in engines} == {True}, "both engines worked"
    finally:
        for e in engines:
            e.stop()
        await asyncio.gather(*tasks)
        for s in stores:
            s.close()


def test_two_engines_send_exactly_the_daily_quota_and_hold_the_rest(pg_url: str) -> None:
    store = open_store(pg_url)
    put(store, QUOTA)
    rows = [NewMessage(f"138{n:08d}", f"复诊提醒 {n}", account="WARD") for n in range(MESSAGES)]
    ids = store.enqueue(rows, "t")  # PostgreSQL ids encode their month: not 1 .. MESSAGES
    asyncio.run(both(pg_url, store, ids))
    usage = store.usage(date(2000, 1, 1))
    assert [(r["period"], r["segments"]) for r in usage] == [("D", RAISED)]
    with psycopg.connect(pg_url) as conn:
        (charged,) = conn.execute("SELECT sum(charged_segments) FROM sms_outbox").fetchone()
    assert charged == RAISED
    assert len(held(store, ids)) == MESSAGES - RAISED
    store.close()
