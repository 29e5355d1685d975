"""The store's guarantees, against every live database (SQLite, PostgreSQL, MariaDB)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from hisms.carrier.base import DeliveryReport, utcnow
from hisms.engine.status import Status
from hisms.engine.store import open_store
from hisms.engine.store.base import (
    BULK,
    URGENT,
    Accepted,
    Claimed,
    Mo,
    NewMessage,
    Store,
    WriteBack,
)
from tests.waiting import wait_until

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


def final(claimed: Claimed) -> WriteBack:
    row = {"id": claimed.id, "attempt": claimed.attempt, "channel": "cm"}
    return WriteBack(
        finals=[{**row, "status": Status.FAILED, "error_code": "13", "error_text": "x"}]
    )


def retry(claimed: Claimed) -> WriteBack:
    row = {"id": claimed.id, "attempt": claimed.attempt, "channel": "cm"}
    return WriteBack(
        retries=[{**row, "next_attempt_at": utcnow(), "error_code": "8", "error_text": "busy"}]
    )


def reclaimed(store: Store, max_attempts: int = 5) -> tuple[int, int]:
    """Wait for a lease in flight to pass; what reclaim did then (rows back, rows failed)."""
    result = (0, 0)

    def lease_passed() -> bool:
        nonlocal result
        result = store.reclaim(W, max_attempts)
        return result != (0, 0)

    wait_until(lease_passed, 10, "a lease to pass and its row to be reclaimed")
    return result


@contextlib.contextmanager
def commit_held(store: Store) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Every transaction of ``store`` stops before its commit: (stopped there, let it commit)."""
    stopped, release = threading.Event(), threading.Event()
    real = store.transaction  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def transaction() -> Iterator[Any]:
        with real() as tx:
            yield tx
            stopped.set()
            release.wait(10)

    store.transaction = transaction  # type: ignore[attr-defined]
    try:
        yield stopped, release
    finally:
        release.set()


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


def test_priority_0_is_claimed_first_even_when_inserted_last(store: Store) -> None:
    *_bulk, normal, urgent = store.enqueue(
        [msg(1, priority=9), msg(2, priority=9), msg(3, priority=5), msg(4, priority=0)], "t"
    )
    assert [c.id for c in store.claim(W, BULK, 1, 30)] == [urgent]
    assert [c.id for c in store.claim(W, BULK, 1, 30)] == [normal]


def test_two_claimers_at_once_never_get_the_same_row(db_url: str) -> None:
    """The second claim skips the rows the first holds (SKIP LOCKED), without waiting for it;
    SQLite serialises writers, so there it runs after the first commits."""
    first, second = open_store(db_url), open_store(db_url)
    ids = first.enqueue([msg(i) for i in range(6)], "t")
    got: dict[str, list[int]] = {}

    def claim(store: Store, worker: str, limit: int) -> None:
        got[worker] = [c.id for c in store.claim(worker, BULK, limit, 30)]

    with commit_held(first) as (holding, release):
        a = threading.Thread(target=claim, args=(first, "a", 3))
        a.start()
        assert holding.wait(10), "the first claim did not get its rows"
        b = threading.Thread(target=claim, args=(second, "b", 6))
        b.start()
        if first.dialect != "sqlite":
            b.join(5)
            assert not b.is_alive(), "the second claim waited for the first one's rows"
        release.set()
        a.join(10)
        b.join(10)
    first.close()
    second.close()
    assert len(got["a"]) == 3 and not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == ids


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
    (old,) = store.claim("dead", BULK, 10, 0.05)
    assert reclaimed(store) == (1, 0)
    (new,) = store.claim(W, BULK, 10, 30)
    assert new.id == oid and new.attempt == 2
    late = store.write_back("dead", submitted(old, ["X"]))  # the dead worker wakes up
    assert (late.written, late.fenced_out) == (0, 1)
    assert store.write_back(W, submitted(new, ["Y"])).written == 1
    assert store.get_message(oid)["carrier_msg_id"] == "Y"  # type: ignore[index]


@pytest.mark.parametrize("late", [final, retry])
@pytest.mark.parametrize("old_owner", ["dead", W], ids=["another-worker", "older-attempt"])
def test_a_late_final_or_retry_of_a_row_claimed_again_is_fenced_out(
    store: Store, late: Callable[[Claimed], WriteBack], old_owner: str
) -> None:
    """The old owner's result (another worker's, or this worker's older attempt) arrives
    after the row was reclaimed and claimed again: it must leave the row alone."""
    (oid,) = store.enqueue([msg(1)], "t")
    (old,) = store.claim(old_owner, BULK, 10, 0.05)
    assert reclaimed(store) == (1, 0)
    (new,) = store.claim(W, BULK, 10, 30)
    assert new.attempt == 2
    before = store.get_message(oid)
    got = store.write_back(old_owner, late(old))
    assert (got.written, got.fenced_out) == (0, 1)
    assert store.get_message(oid) == before
    assert store.write_back(W, late(new)).written == 1  # the owner's own result goes through


@pytest.mark.parametrize("late", [final, retry])
def test_a_final_or_retry_from_a_worker_not_holding_the_row_is_fenced_out(
    store: Store, late: Callable[[Claimed], WriteBack]
) -> None:
    (oid,) = store.enqueue([msg(1)], "t")
    (held,) = store.claim(W, BULK, 10, 30)
    before = store.get_message(oid)
    got = store.write_back("other", late(held))  # same attempt number, not its row
    assert (got.written, got.fenced_out) == (0, 1)
    assert store.get_message(oid) == before


def test_rows_abandoned_too_often_fail_with_a_reason(store: Store) -> None:
    (oid,) = store.enqueue([msg(1)], "t")
    store.claim("dead", BULK, 10, 0.05)
    assert reclaimed(store, max_attempts=1) == (0, 1)
    row = store.get_message(oid)
    assert row["status"] == Status.FAILED and row["error_code"] == "WORKER_LOST"  # type: ignore[index]


def test_heartbeat_keeps_the_lease(store: Store) -> None:
    kept, lapsed = store.enqueue([msg(1), msg(2)], "t")
    store.claim(W, BULK, 10, 0.05)
    assert store.extend_lease(W, [kept], 30) == 1
    assert store.extend_lease("other", [lapsed], 30) == 0
    assert reclaimed(store) == (1, 0)  # the row without a heartbeat, once its lease passed
    assert (status_of(store, kept), status_of(store, lapsed)) == (Status.SENDING, Status.PENDING)


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


def test_a_report_s_billed_count_is_stored_in_its_part(store: Store) -> None:
    """A report that says how many parts the provider billed (Aliyun's sms_size) sets its
    part's total; one that does not keeps the total written back, and so does a second
    report of a part already reported."""
    ids = store.enqueue([msg(1), msg(2), msg(3)], "t")
    for claimed, msg_id in zip(store.claim(W, BULK, 10, 30), ("B1", "N1", "M1"), strict=True):
        store.write_back(W, submitted(claimed, [msg_id]))
    applied = store.save_reports(
        W,
        [
            DeliveryReport("cm", "B1", "DELIVRD", billed=3),
            DeliveryReport("cm", "N1", "DELIVRD"),
            DeliveryReport("cm", "M1", "UNDELIV", error_code="MK:0001", billed=2),
        ],
    ).applied
    again = store.save_reports(W, [DeliveryReport("cm", "B1", "DELIVRD", billed=5)])
    none = store.save_reports(W, [DeliveryReport("cm", "NOPE", "DELIVRD")])  # every billed None
    assert (applied, again.duplicates, none.parked) == (3, 1, 1)
    totals = [[s["total"] for s in store.get_segments(i)] for i in ids]
    assert totals == [[3], [1], [2]]
    assert [status_of(store, i) for i in ids] == [Status.DELIVERED] * 2 + [Status.FAILED]


def test_a_message_waiting_for_a_channel_keeps_the_parts_accepted_before(store: Store) -> None:
    store.enqueue([msg(1)], "t")
    (claimed,) = store.claim(W, BULK, 10, 30)
    first = submitted(claimed, ["A1", "A2"]).segments[:1]  # part 1 of 2 accepted, then cm died
    wait = {
        "id": claimed.id,
        "attempt": claimed.attempt,
        "next_attempt_at": utcnow(),
        "error_code": "WAITING_CHANNEL",
        "error_text": "waiting for a channel: cm DOWN",
    }
    store.write_back(W, WriteBack(waits=[wait], segments=first))
    (again,) = store.claim(W, BULK, 10, 30)
    assert again.attempt == claimed.attempt  # waiting gave the attempt back
    assert store.accepted_parts([again.id]) == {again.id: [Accepted(1, "cm", "A1")]}


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


@contextlib.contextmanager
def held_before_commit(
    store: Store, report_batch: bool
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """Hold the store's next report batch (or segment write-back) open just before its
    commit: yields the event set when it gets there and the one that lets it commit."""
    about_to_commit, release = threading.Event(), threading.Event()
    holding: set[int] = set()
    real_fence, real_transaction = store.fence_reports, store.transaction  # type: ignore[attr-defined]

    def fence(tx: Any, exclusive: bool) -> None:
        real_fence(tx, exclusive)
        if exclusive == report_batch:  # a report batch takes the fence exclusively
            holding.add(id(tx))

    @contextlib.contextmanager
    def transaction() -> Iterator[Any]:
        with real_transaction() as tx:
            yield tx
            if id(tx) in holding:
                about_to_commit.set()
                release.wait(10)

    store.fence_reports, store.transaction = fence, transaction  # type: ignore[attr-defined,method-assign]
    try:
        yield about_to_commit, release
    finally:
        release.set()


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
    with held_before_commit(store, report_batch=False) as (about_to_commit, release):
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


def test_write_back_of_a_part_whose_report_is_being_parked_matches_it(db_url: str) -> None:
    """The write-back waits for a report batch in flight, then matches what it parked.

    Two stores, as two engines: the report batch of one, held open just before commit, has
    looked for the part (none yet) and parked the report. A write-back of the part by the
    other running now, under READ COMMITTED, would not see the parked report (not committed)
    and match nothing: the message would stay SUBMITTED for ever (SqlStore.fence_reports).
    While it waits it holds no row: a heartbeat of its rows goes through. (It used to
    update its rows first; the heartbeat then waited for it, the report batch for the
    heartbeat and the write-back for the report batch: a deadlock, twice in a 30-minute
    soak at 1,000/s.)
    """
    reporting, writing, beating = open_store(db_url), open_store(db_url), open_store(db_url)
    try:
        (oid,) = writing.enqueue([msg(1)], "t")
        (claimed,) = writing.claim(W, BULK, 10, 30)
        with held_before_commit(reporting, report_batch=True) as (about_to_commit, release):
            report = DeliveryReport("cm", "M1", "DELIVRD", phone=claimed.phone)
            parked: list[Any] = []
            reporter = threading.Thread(
                target=lambda: parked.append(reporting.save_reports(W, [report]))
            )
            reporter.start()
            assert about_to_commit.wait(10)
            writer = threading.Thread(
                target=writing.write_back, args=(W, submitted(claimed, ["M1"]))
            )
            writer.start()
            writer.join(0.5)
            blocked = writer.is_alive()
            if writing.dialect != "sqlite":  # whose writers are serialised
                extended: list[int] = []
                heartbeat = threading.Thread(
                    target=lambda: extended.append(beating.extend_lease(W, [oid], 30))
                )
                heartbeat.start()
                heartbeat.join(5)
                assert extended == [1], "the heartbeat waited for the write-back's rows"
            release.set()
            reporter.join(10)
            writer.join(10)
        assert blocked, "the write-back must wait for the report batch in flight"
        assert parked[0].parked == 1
        assert status_of(writing, oid) == Status.DELIVERED
    finally:
        reporting.close()
        writing.close()
        beating.close()
