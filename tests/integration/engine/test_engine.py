"""The engine end to end with the loopback carrier, on every live database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from hisms.carrier.base import DeliveryReport, MoMessage, Submission, SubmitResult, utcnow
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.config import (
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.resend import ResendConfig, ResendRule
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.worker import Engine
from tests.waiting import until


def settings(url: str, resend: ResendConfig | None = None, **engine: Any) -> Settings:
    return Settings(
        resend=resend or ResendConfig(),
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            **{
                "worker_id": "t",
                "poll_min_seconds": 0.01,
                "poll_max_seconds": 0.1,
                "writeback_every_seconds": 0.05,
                **engine,
            }
        ),
        validation=ValidationConfig(max_chars=1000, default_signature="测试医院"),
        channels=[ChannelConfig(name="lb", protocol="loopback")],
    )


async def run_until(
    engine: Engine, done: Callable[[], bool], what: str = "every row final", timeout: float = 30
) -> None:
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: asyncio.to_thread(done), timeout, what)
    finally:
        engine.stop()
        await task


def all_final(store: Store) -> Callable[[], bool]:
    def check() -> bool:
        c = store.status_counts()
        return c["PENDING"] + c["SENDING"] + c["SUBMITTED"] == 0

    return check


def test_bad_rows_are_rejected_and_good_ones_still_delivered(db_url: str) -> None:
    store = open_store(db_url)
    rows = [
        NewMessage("12345", "x"),
        NewMessage("13800138000", ""),
        NewMessage(None, "x"),
        NewMessage("13800138000", "字" * 1001),
        NewMessage("13800138001", "ok"),
        NewMessage("+86 139 0013 8002", "😀 emoji ok"),
    ]
    ids = store.enqueue(rows, "t")
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    asyncio.run(run_until(Engine(settings(db_url), store, {"lb": carrier}), all_final(store)))
    got = {i: store.get_message(i) for i in ids}
    codes = [got[i]["error_code"] for i in ids[:4]]  # type: ignore[index]
    assert codes == ["PHONE_LENGTH", "CONTENT_EMPTY", "PHONE_EMPTY", "CONTENT_TOO_LONG"]
    assert all(got[i]["status"] == Status.REJECTED and got[i]["error_text"] for i in ids[:4])  # type: ignore[index]
    assert [got[i]["status"] for i in ids[4:]] == [Status.DELIVERED, Status.DELIVERED]  # type: ignore[index]
    assert got[ids[5]]["phone"] == "13900138002"  # type: ignore[index]
    store.close()


def test_long_message_goes_out_as_udh_parts_and_rolls_up(db_url: str) -> None:
    store = open_store(db_url)
    (oid,) = store.enqueue([NewMessage("13800138000", "检" * 300)], "t")
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    asyncio.run(run_until(Engine(settings(db_url), store, {"lb": carrier}), all_final(store)))
    parts = carrier.submitted
    assert len(parts) == 5 and [p.seq for p in parts] == [1, 2, 3, 4, 5]
    assert all(p.udh == bytes([5, 0, 3, oid & 0xFF, 5, p.seq]) for p in parts)
    assert "".join(p.text for p in parts) == "【测试医院】" + "检" * 300
    row = store.get_message(oid)
    assert row["status"] == Status.DELIVERED and row["segments"] == 5  # type: ignore[index]
    assert len(store.get_segments(oid)) == 5
    store.close()


def test_urgent_row_overtakes_a_bulk_backlog(db_url: str) -> None:
    store = open_store(db_url)
    store.enqueue([NewMessage(f"1380000{i:04d}", "群发通知", priority=9) for i in range(5000)], "t")
    carrier = LoopbackCarrier("lb", report_delay=0.01, submit_delay=0.05)
    engine = Engine(settings(db_url, batch_size=100, inflight_batches=2), store, {"lb": carrier})
    urgent: list[int] = []

    async def scenario() -> None:
        task = asyncio.create_task(engine.run())
        await until(lambda: len(carrier.submitted) >= 200, 30, "the bulk backlog draining")
        urgent.extend(
            await asyncio.to_thread(
                store.enqueue, [NewMessage("13900000000", "危急值", priority=0)], "t"
            )
        )
        await until(
            lambda: any(s.key.outbox_id == urgent[0] for s in carrier.submitted),
            30,
            "the urgent row submitted",
        )
        engine.stop()
        await task

    asyncio.run(scenario())
    position = next(i for i, s in enumerate(carrier.submitted) if s.key.outbox_id == urgent[0])
    assert position < 1000, f"urgent row was submission #{position} of a 5000-row backlog"
    assert store.status_counts()["PENDING"] > 3000  # the backlog had far to go
    store.close()


def test_failed_reports_and_replies_are_written_back(db_url: str) -> None:
    store = open_store(db_url)
    ok, bad = store.enqueue(
        [
            NewMessage("13800138000", "您已预约明天门诊", "HIS", "R1"),
            NewMessage("13800138044", "通知", "HIS", "R2"),
        ],
        "t",
    )
    carrier = LoopbackCarrier(
        "lb", report_delay=0.01, fail_suffixes=["44"], reply_rules={"预约": "1"}
    )

    def finished() -> bool:
        return all_final(store)() and store.status_counts()["DELIVERED"] == 1

    cfg = settings(db_url, ResendConfig(max_resends=1, delay_seconds=0))
    asyncio.run(run_until(Engine(cfg, store, {"lb": carrier}), finished))
    failed = store.get_message(bad)
    assert failed is not None and failed["error_code"] == "UNDELIV"
    assert failed["attempts"] == 2  # UNDELIV sends it again once (resend.max_resends), then FAILED
    assert failed["status"] == Status.FAILED
    assert store.get_message(ok)["status"] == Status.DELIVERED  # type: ignore[index]
    store.close()


def test_a_final_stat_is_not_sent_again(db_url: str) -> None:
    store = open_store(db_url)
    (bad,) = store.enqueue([NewMessage("13800138044", "通知", "HIS", "R2")], "t")
    carrier = LoopbackCarrier("lb", report_delay=0.01, fail_suffixes=["44"])
    resend = ResendConfig(
        max_resends=1, delay_seconds=0, stats=ResendRule(resend=["*"], final=["UNDEL*"])
    )
    engine = Engine(settings(db_url, resend), store, {"lb": carrier})
    asyncio.run(run_until(engine, all_final(store)))
    failed = store.get_message(bad)
    assert failed is not None and failed["status"] == Status.FAILED
    assert failed["attempts"] == 1 and failed["report_stat"] == "UNDELIV"
    store.close()


def test_a_message_without_a_report_becomes_unknown_after_the_timeout(db_url: str) -> None:
    store = open_store(db_url)
    (silent,) = store.enqueue([NewMessage("13800138000", "通知", "HIS", "R3")], "t")
    carrier = LoopbackCarrier("lb", report_delay=3600)  # the report never comes in this test
    cfg = settings(db_url, report_timeout_hours=0.5 / 3600, report_timeout_every_seconds=0.1)
    asyncio.run(run_until(Engine(cfg, store, {"lb": carrier}), all_final(store)))
    row = store.get_message(silent)
    assert row is not None and row["status"] == Status.UNKNOWN
    assert row["status_name"] == "UNKNOWN" and row["error_code"] == "NO_REPORT"
    assert row["submitted_at"] is not None
    store.close()


class _ReplyBeforeAck(LoopbackCarrier):
    """A handset that answers while the gateway's submit answer is still on its way."""

    flushes: list[tuple[Any, ...]]  # the engine's report/MO flushes

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        results = await super().submit(batch)
        assert self._sink is not None
        for sub in batch:
            self._sink(MoMessage(self.name, sub.phone, self.src_number, "1"))
        seen = len(self.flushes)
        await until(lambda: len(self.flushes) >= seen + 3, 10, "3 MO flushes before the answer")
        return results


def test_reply_that_overtakes_its_mt_write_back_is_still_correlated(db_url: str) -> None:
    store = open_store(db_url)
    (mt,) = store.enqueue([NewMessage("13800138000", "您已预约明天门诊", "HIS", "R1")], "t")
    carrier = _ReplyBeforeAck("lb", report_delay=0.01)
    engine = Engine(settings(db_url), store, {"lb": carrier})
    carrier.flushes = counting(engine, "_flush")
    asyncio.run(
        run_until(engine, lambda: all_final(store)() and engine.counts["mo"] == 1, "the reply")
    )
    replies = store.take_replies("HIS", 0, 10, "t")
    assert [(r["outbox_id"], r["content"]) for r in replies] == [(mt, "1")]
    store.close()


def test_postgresql_insert_wakes_an_idle_engine_without_polling(pg_url: str) -> None:
    store = open_store(pg_url)
    carrier = LoopbackCarrier("lb", report_delay=0.01)
    # Polling once a minute: only LISTEN/NOTIFY can explain a pick-up within the test.
    cfg = settings(pg_url, poll_min_seconds=60, poll_max_seconds=60)
    engine = Engine(cfg, store, {"lb": carrier})
    claims = counting(store, "claim")

    async def scenario() -> None:
        task = asyncio.create_task(engine.run())
        await until(
            lambda: len(claims) >= 2 and listening(pg_url),
            10,
            "both lanes idle (one empty claim each) and the engine listening",
        )
        await asyncio.to_thread(
            store.enqueue, [NewMessage("13800138000", "危急值", priority=0)], "t"
        )
        await until(lambda: carrier.submitted, 10, "the inserted row submitted")
        engine.stop()
        await task

    asyncio.run(scenario())
    assert len(carrier.submitted) == 1 and len(claims) >= 3
    store.close()


def counting(obj: object, method: str) -> list[tuple[Any, ...]]:
    """Record the arguments of each call of ``obj.method``, calling through."""
    calls: list[tuple[Any, ...]] = []
    real = getattr(obj, method)

    def spy(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    setattr(obj, method, spy)
    return calls


def listening(url: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
        ).fetchone()
    return bool(row and row[0])


def test_a_running_engine_deletes_parked_reports_once_they_are_old(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = open_store(db_url)
    now = utcnow()
    stale = DeliveryReport("lb", "GONE", "DELIVRD", received_at=now - timedelta(days=2))
    fresh = DeliveryReport("lb", "KEPT", "DELIVRD", received_at=now)
    assert store.save_reports("t", [stale, fresh]).parked == 2
    engine = Engine(
        settings(db_url, unmatched_report_days=1, purge_every_seconds=0.05),
        store,
        {"lb": LoopbackCarrier("lb")},
    )
    caplog.set_level(logging.INFO, logger="hisms.engine.worker")
    asyncio.run(run_until(engine, lambda: "deleted 1 parked" in caplog.text, "the purge", 10))
    assert store.purge_unmatched(now - timedelta(hours=1)) == 0  # the engine took the stale one
    assert store.purge_unmatched(now + timedelta(seconds=1)) == 1  # and left the fresh one
    store.close()
