"""The store's guarantees, against every live database (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from hisms.carrier.base import DeliveryReport, utcnow
from hisms.engine.status import Status
from hisms.engine.store.base import BULK, URGENT, Mo, NewMessage, Store, WriteBack

W = "worker-a"


def msg(n: int = 0, **kw: Any) -> NewMessage:
    return NewMessage(kw.pop("phone", f"1380013{n:04d}"), kw.pop("content", f"msg {n}"), **kw)


def submitted(claimed, msg_ids: list[str]) -> WriteBack:  # type: ignore[no-untyped-def]
    now = utcnow()
    return WriteBack(
        submitted=[
            {
                "id": claimed.id,
                "attempt": claimed.attempt,
                "phone": claimed.phone,
                "channel": "cm",
                "segments": len(msg_ids),
                "carrier_msg_id": msg_ids[0],
                "submitted_at": now,
            }
        ],
        segments=[
            {
                "outbox_id": claimed.id,
                "seq": i,
                "total": len(msg_ids),
                "channel": "cm",
                "carrier_msg_id": m,
                "submit_result": "0",
                "submitted_at": now,
            }
            for i, m in enumerate(msg_ids, start=1)
        ],
    )


def status_of(store: Store, outbox_id: int) -> int:
    row = store.get_message(outbox_id)
    assert row is not None
    return int(row["status"])


def test_intake_is_idempotent_on_source_reference(store: Store) -> None:
    first = store.enqueue([msg(1, source_system="HIS", source_ref="A1"), msg(2)], "t")
    again = store.enqueue(
        [
            msg(3),
            msg(1, source_system="HIS", source_ref="A1"),
            msg(4, source_system="LIS", source_ref="A1"),
        ],
        "t",
    )
    assert again[1] == first[0]
    assert len(set(first + again)) == 4
    assert store.status_counts()["PENDING"] == 4


def test_claim_orders_by_priority_then_id_and_urgent_lane_takes_only_urgent(store: Store) -> None:
    ids = store.enqueue(
        [
            msg(1, priority=9),
            msg(2, priority=5),
            msg(3, priority=0),
            msg(4, priority=1),
            msg(5, priority=5),
        ],
        "t",
    )
    urgent = store.claim(W, URGENT, 10, 30)
    assert [c.id for c in urgent] == [ids[2], ids[3]]
    bulk = store.claim(W, BULK, 10, 30)
    assert [c.id for c in bulk] == [ids[1], ids[4], ids[0]]
    assert all(c.attempt == 1 for c in urgent + bulk)
    assert store.claim(W, BULK, 10, 30) == []


def test_scheduled_rows_wait_and_expired_rows_are_flagged(store: Store) -> None:
    now = utcnow()
    _later, gone, due = store.enqueue(
        [
            msg(1, send_at=now + timedelta(hours=1)),
            msg(2, expire_at=now - timedelta(minutes=1)),
            msg(3, send_at=now - timedelta(seconds=1)),
        ],
        "t",
    )
    claimed = {c.id: c for c in store.claim(W, BULK, 10, 30)}
    assert set(claimed) == {gone, due}
    assert claimed[gone].expired and not claimed[due].expired


def test_expired_lease_is_reclaimed_and_the_old_owner_is_fenced_out(store: Store) -> None:
    (oid,) = store.enqueue([msg(1)], "t")
    (old,) = store.claim("dead", BULK, 10, 0.2)
    time.sleep(0.4)
    assert store.reclaim(W, max_attempts=5) == (1, 0)
    (new,) = store.claim(W, BULK, 10, 30)
    assert new.id == oid and new.attempt == 2
    late = store.write_back("dead", submitted(old, ["X"]))  # the dead worker wakes up
    assert (late.written, late.fenced_out) == (0, 1)
    assert store.write_back(W, submitted(new, ["Y"])).written == 1
    assert store.get_message(oid)["carrier_msg_id"] == "Y"  # type: ignore[index]


def test_rows_abandoned_too_often_fail_with_a_reason(store: Store) -> None:
    (oid,) = store.enqueue([msg(1)], "t")
    store.claim("dead", BULK, 10, 0.1)
    time.sleep(0.3)
    assert store.reclaim(W, max_attempts=1) == (0, 1)
    row = store.get_message(oid)
    assert row["status"] == Status.FAILED and row["error_code"] == "WORKER_LOST"  # type: ignore[index]


def test_heartbeat_keeps_the_lease(store: Store) -> None:
    store.enqueue([msg(1)], "t")
    (c,) = store.claim(W, BULK, 10, 0.3)
    assert store.extend_lease(W, [c.id], 30) == 1
    assert store.extend_lease("other", [c.id], 30) == 0
    time.sleep(0.5)
    assert store.reclaim(W, max_attempts=5) == (0, 0)


def test_long_message_rolls_up_when_every_part_is_reported(store: Store) -> None:
    ok, bad = store.enqueue([msg(1), msg(2)], "t")
    a, b = store.claim(W, BULK, 10, 30)
    store.write_back(W, submitted(a, ["A1", "A2", "A3"]))
    store.write_back(W, submitted(b, ["B1", "B2"]))
    store.save_reports(
        W, [DeliveryReport("cm", "A1", "DELIVRD"), DeliveryReport("cm", "A2", "DELIVRD")]
    )
    assert status_of(store, ok) == Status.SUBMITTED
    store.save_reports(
        W,
        [
            DeliveryReport("cm", "A3", "DELIVRD"),
            DeliveryReport("cm", "B1", "DELIVRD"),
            DeliveryReport("cm", "B2", "MK:0005", error_code="5"),
        ],
    )
    assert status_of(store, ok) == Status.DELIVERED
    row = store.get_message(bad)
    assert row["status"] == Status.FAILED and row["error_code"] == "MK:0005"  # type: ignore[index]
    assert [p["report_stat"] for p in store.get_segments(ok)] == ["DELIVRD"] * 3


def test_report_before_submit_result_is_parked_then_matched(store: Store) -> None:
    (oid,) = store.enqueue([msg(1)], "t")
    (c,) = store.claim(W, BULK, 10, 30)
    early = store.save_reports(W, [DeliveryReport("cm", "EARLY", "DELIVRD")])
    assert (early.applied, early.parked) == (0, 1)
    store.write_back(W, submitted(c, ["EARLY"]))
    row = store.get_message(oid)
    assert row["status"] == Status.DELIVERED and row["report_stat"] == "DELIVRD"  # type: ignore[index]


def test_duplicate_and_unknown_reports_change_nothing(store: Store) -> None:
    (oid,) = store.enqueue([msg(1)], "t")
    (c,) = store.claim(W, BULK, 10, 30)
    store.write_back(W, submitted(c, ["M1"]))
    first = store.save_reports(W, [DeliveryReport("cm", "M1", "DELIVRD")])
    again = store.save_reports(
        W, [DeliveryReport("cm", "M1", "UNDELIV"), DeliveryReport("cm", "NOPE", "DELIVRD")]
    )
    assert (first.applied, again.applied, again.duplicates, again.parked) == (1, 0, 1, 1)
    assert status_of(store, oid) == Status.DELIVERED


def test_parked_reports_are_purged_once_old_and_recent_ones_kept(store: Store) -> None:
    now = utcnow()
    old = DeliveryReport("cm", "OLD", "DELIVRD", received_at=now - timedelta(days=8))
    new = DeliveryReport("cm", "NEW", "DELIVRD", received_at=now - timedelta(hours=1))
    assert store.save_reports(W, [old, new]).parked == 2
    assert store.purge_unmatched(now - timedelta(days=7)) == 1
    assert store.purge_unmatched(now - timedelta(days=7)) == 0
    (oid,) = store.enqueue([msg(1)], "t")  # the kept report still completes its message
    (c,) = store.claim(W, BULK, 10, 30)
    store.write_back(W, submitted(c, ["NEW"]))
    assert status_of(store, oid) == Status.DELIVERED


def test_mo_is_correlated_to_the_last_mt_and_by_extension(store: Store) -> None:
    his, lis, _other = store.enqueue(
        [msg(1, source_system="HIS"), msg(1, source_system="LIS"), msg(2, source_system="HIS")], "t"
    )
    for c in store.claim(W, BULK, 10, 30):
        store.write_back(W, submitted(c, [f"M{c.id}"]))
    now = utcnow() + timedelta(seconds=1)
    got = store.save_mo(
        W,
        [
            Mo("cm", "13800130001", "106901", "1", now, None),
            Mo("cm", "13800130001", "10690101", "1", now, "HIS"),
            Mo("cm", "13900000000", "106901", "?", now, None),
        ],
        window=3600,
    )
    assert got == [lis, his, None]


def test_report_arriving_while_its_parts_are_written_back_is_not_stranded(store: Store) -> None:
    """The report batch waits for the write-back of its parts, then applies to them.

    Held open just before commit, the write-back has inserted the parts and looked for
    parked reports; a report batch running now would see no part and park, unseen by
    the write-back: the message would stay SUBMITTED for ever (SqlStore.fence_reports).
    """
    if store.dialect == "sqlite":
        pytest.skip("SQLite serialises writers: there is no concurrent report batch")
    (oid,) = store.enqueue([msg(1)], "t")
    (claimed,) = store.claim(W, BULK, 10, 30)
    about_to_commit, release = threading.Event(), threading.Event()
    holding: set[int] = set()
    real_fence, real_transaction = store.fence_reports, store.transaction  # type: ignore[attr-defined]

    def fence(tx: Any, exclusive: bool) -> None:
        real_fence(tx, exclusive)
        if not exclusive:
            holding.add(id(tx))

    @contextlib.contextmanager
    def transaction() -> Iterator[Any]:
        with real_transaction() as tx:
            yield tx
            if id(tx) in holding:
                about_to_commit.set()
                release.wait(10)

    store.fence_reports, store.transaction = fence, transaction  # type: ignore[attr-defined,method-assign]
    writer = threading.Thread(target=store.write_back, args=(W, submitted(claimed, ["M1"])))
    writer.start()
    assert about_to_commit.wait(10)
    report = DeliveryReport("cm", "M1", "DELIVRD", phone=claimed.phone)
    reporter = threading.Thread(target=store.save_reports, args=(W, [report]))
    reporter.start()
    reporter.join(0.5)
    blocked = reporter.is_alive()
    release.set()
    writer.join(10)
    reporter.join(10)
    assert blocked, "the report batch must wait for the write-back in flight"
    assert status_of(store, oid) == Status.DELIVERED
