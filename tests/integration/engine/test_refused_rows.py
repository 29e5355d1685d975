"""A report or reply the database refuses holds no other (issue 12), on every live database.

PostgreSQL refuses text with a NUL; MariaDB stores a NUL and silently clips over-long values
read through JSON_TABLE even in strict mode, so the row it cannot take is text that is not
Unicode at all (a lone surrogate, refused while the statement is encoded). SQLite stores
any text, so there is nothing for it to refuse.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage, utcnow
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.store import open_store
from hisms.engine.store.base import (
    Mo,
    NewMessage,
    Parked,
    Store,
    StoreDataError,
    StoreDeadlock,
    StoreError,
)
from hisms.engine.worker import Engine
from tests.integration.engine.test_engine import run_until, settings

POISON = {"postgresql": "\x00", "mysql": "\ud800"}
DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "sqlite": "sqlite"}


def poison(store: Store) -> str:
    if store.dialect not in POISON:
        pytest.skip(f"{store.dialect} stores any text: it refuses no report or reply")
    return POISON[store.dialect]


def query(url: str, sql: str) -> list[dict[str, Any]]:
    """Rows as a DBA reads them, through SQLAlchemy rather than the store under test."""
    parsed = make_url(url)
    engine = sqlalchemy.create_engine(parsed.set(drivername=DRIVERS[parsed.get_backend_name()]))
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sqlalchemy.text(sql))]
    finally:
        engine.dispose()


def events(kind: str, bad: str, acked: list[int]) -> list[CarrierEvent]:
    def ack(n: int) -> Callable[[], None]:
        return lambda: acked.append(n)

    if kind == "mo":
        return [
            MoMessage("lb", "13800138000", "10690123", text, ack=ack(n))
            for n, text in enumerate(["第一", f"第二{bad}", "第三"])
        ]
    return [
        DeliveryReport("lb", msg_id, "DELIVRD", "13800138000", ack=ack(n))
        for n, msg_id in enumerate(["ID-1", f"ID-2{bad}", "ID-3"])
    ]


def run_with(
    engine: Engine,
    carrier: LoopbackCarrier,
    batch: list[CarrierEvent],
    acked: list[int],
    settle: float = 0.0,
) -> None:
    """Hand ``batch`` to a running engine at once (one flush, as a gateway sends them back to
    back), wait until each is answered, let ``settle`` seconds of flushes pass, stop."""

    async def scenario() -> None:
        task = asyncio.create_task(engine.run())
        try:
            async with asyncio.timeout(10):
                while carrier._sink is None:
                    await asyncio.sleep(0.01)
                for event in batch:
                    carrier._sink(event)
                while len(acked) < len(batch):
                    await asyncio.sleep(0.02)
            await asyncio.sleep(settle)
        finally:
            engine.stop()
            await task

    asyncio.run(scenario())


@pytest.fixture
def running(db_url: str) -> Iterator[tuple[str, Store]]:
    store = open_store(db_url)
    yield db_url, store
    store.close()


@pytest.mark.parametrize("kind", ["mo", "report"])
def test_the_refused_row_is_parked_and_the_others_stored_and_all_answered(
    running: tuple[str, Store], kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    url, store = running
    bad = poison(store)
    acked: list[int] = []
    batch = events(kind, bad, acked)
    carrier = LoopbackCarrier("lb")
    engine = Engine(settings(url), store, {"lb": carrier})
    caplog.set_level(logging.INFO, logger="hisms.engine")

    run_with(engine, carrier, batch, acked, settle=0.3)  # more flushes: none may retry it
    assert sorted(acked) == [0, 1, 2]
    if kind == "mo":
        stored = query(url, "SELECT content FROM sms_inbox ORDER BY id")
        assert [r["content"] for r in stored] == ["第一", "第三"]
    else:
        stored = query(url, "SELECT carrier_msg_id FROM sms_report_unmatched ORDER BY id")
        assert [r["carrier_msg_id"] for r in stored] == ["ID-1", "ID-3"]
    (parked,) = query(url, "SELECT kind, channel, event_json, error_text FROM sms_parked")
    assert (parked["kind"], parked["channel"]) == (kind.upper(), "lb")
    event = json.loads(parked["event_json"])
    assert event["content" if kind == "mo" else "carrier_msg_id"].endswith(bad)
    assert parked["error_text"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "parked" in errors[0].getMessage() and "138****8000" in errors[0].getMessage()
    assert "13800138000" not in caplog.text
    assert engine.counts["parked"] == 1 and engine.counts.get("retried_flushes", 0) == 0


def test_the_store_says_a_refused_row_is_bad_data(running: tuple[str, Store]) -> None:
    _, store = running
    bad = poison(store)
    reply = Mo("lb", "13800138000", "10690123", f"x{bad}", utcnow(), None)
    with pytest.raises(StoreDataError):
        store.save_mo("t", [reply], 3600)
    with pytest.raises(StoreDataError):
        store.save_reports("t", [DeliveryReport("lb", f"ID{bad}", "DELIVRD")])


def test_parked_rows_are_purged_after_their_days(running: tuple[str, Store]) -> None:
    url, store = running
    now = utcnow()
    old = Parked("MO", "lb", '{"content": "a\\u0000"}', "DataError", now - timedelta(days=40))
    new = Parked("REPORT", "lb", '{"carrier_msg_id": "b"}', "DataError", now)
    store.park("t", [old, new])
    assert store.purge_parked(now - timedelta(days=30)) == 1
    assert [r["kind"] for r in query(url, "SELECT kind FROM sms_parked")] == ["REPORT"]


class _Failing:
    """The real store, whose named methods first raise the errors given, one per call."""

    def __init__(self, store: Store, **errors: list[StoreError]) -> None:
        self._store = store
        self.errors = errors

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if name not in self.errors:
            return method

        def failing(*args: Any) -> Any:
            if self.errors[name]:
                raise self.errors[name].pop(0)
            return method(*args)

        return failing


def test_an_outage_is_logged_when_it_starts_and_when_it_ends(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(sqlite_url)
    flaky = _Failing(store, save_mo=[StoreError("OperationalError: connection refused")] * 10)
    acked: list[int] = []
    carrier = LoopbackCarrier("lb")
    cfg = settings(sqlite_url, writeback_every_seconds=0.01)
    engine = Engine(cfg, flaky, {"lb": carrier})  # type: ignore[arg-type]
    caplog.set_level(logging.INFO, logger="hisms.engine")

    run_with(engine, carrier, events("mo", "", acked), acked)
    store.close()
    assert flaky.errors["save_mo"] == [] and sorted(acked) == [0, 1, 2]
    failed = [r for r in caplog.records if "writing reports/MO failed" in r.getMessage()]
    again = [r for r in caplog.records if "works again" in r.getMessage()]
    assert (len(failed), len(again)) == (1, 1), caplog.text
    assert engine.counts["retried_flushes"] == 10 and engine.counts["mo"] == 3
    assert engine.counts["deadlocks"] == 0


def test_deadlocks_and_retried_writes_are_counted(sqlite_url: str) -> None:
    """What ``hisms bench e2e`` prints, so that a lock-ordering regression shows."""
    store = open_store(sqlite_url)
    store.enqueue([NewMessage("13800138000", "通知", "HIS", "R1")], "t")
    deadlock = StoreDeadlock("DeadlockDetected: deadlock detected")
    flaky = _Failing(store, write_back=[deadlock], save_reports=[deadlock, deadlock])
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    engine = Engine(settings(sqlite_url), flaky, {"lb": carrier})  # type: ignore[arg-type]
    asyncio.run(run_until(engine, lambda: store.status_counts()["DELIVERED"] == 1))
    store.close()
    assert engine.counts["deadlocks"] == 3
    assert engine.counts["retried_write_backs"] == 1 and engine.counts["retried_flushes"] == 2
