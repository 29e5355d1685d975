"""Times on every live database: the hospital's day, and latency to when a report arrived."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy
from sqlalchemy import text

from hisms.adapters.dbtable.poller import sqlalchemy_url
from hisms.carrier.base import DeliveryReport, utcnow
from hisms.engine.store.base import BULK, NewMessage, Store, WriteBack

# 23:30 and 00:30 in Beijing, on either side of its midnight; both on 25 November in UTC.
BEFORE_MIDNIGHT, AFTER_MIDNIGHT = "2026-11-25 15:30:00", "2026-11-25 16:30:00"


def _sql(db_url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = sqlalchemy.create_engine(sqlalchemy_url(db_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _utc_literal(store: Store, at: str) -> str:
    return f"{at}+00" if store.dialect == "postgresql" else f"{at}.000"


def _days(db_url: str) -> dict[date, int]:
    rows = _sql(db_url, "SELECT day, messages FROM v_sms_stats_daily")
    return {
        r[0] if isinstance(r[0], date) else date.fromisoformat(str(r[0])): int(r[1]) for r in rows
    }  # type: ignore[call-overload]


def test_days_begin_at_the_hospitals_midnight(store: Store, db_url: str) -> None:
    late, early = store.enqueue(
        [NewMessage("13800000001", "a"), NewMessage("13800000002", "b")], "t"
    )
    for oid, at in ((late, BEFORE_MIDNIGHT), (early, AFTER_MIDNIGHT)):
        _sql(
            db_url,
            f"UPDATE sms_outbox SET created_at = '{_utc_literal(store, at)}' WHERE id = {oid}",
        )
    store.set_timezone("Asia/Shanghai")
    assert _days(db_url) == {date(2026, 11, 25): 1, date(2026, 11, 26): 1}
    store.set_timezone("UTC")  # another hospital's zone moves the boundary with it
    assert _days(db_url) == {date(2026, 11, 25): 2}


def test_delivery_latency_counts_to_when_the_report_arrived(store: Store) -> None:
    (oid,) = store.enqueue([NewMessage("13800000001", "a")], "t")
    (c,) = store.claim("w", BULK, 10, 30)
    now = utcnow()
    part = dict(outbox_id=c.id, seq=1, total=1, channel="cm", carrier_msg_id="M1")
    store.write_back(
        "w",
        WriteBack(
            submitted=[
                dict(id=c.id, attempt=c.attempt, phone=c.phone, channel="cm", segments=1)
                | dict(carrier_msg_id="M1", submitted_at=now)
            ],
            segments=[part | dict(submit_result="0", submitted_at=now)],
        ),
    )
    # CMPP's done time is to the minute: here before the row was even created.
    done = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    received = now + timedelta(seconds=2)
    store.save_reports(
        "w", [DeliveryReport("cm", "M1", "DELIVRD", done_at=done, received_at=received)]
    )
    row = store.get_message(oid)
    assert row is not None
    assert _same(row["report_at"], done) and _same(row["report_received_at"], received)
    assert 2000 <= row["delivery_latency_ms"] < 10_000
    (seg,) = store.get_segments(oid)
    assert _same(seg["report_at"], done) and _same(seg["report_received_at"], received)


def _same(value: object, expected: datetime) -> bool:
    """A stored time (aware datetime, or SQLite's UTC text) equals ``expected`` to the ms."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value).replace(tzinfo=expected.tzinfo)
    assert isinstance(value, datetime)
    return abs(value - expected) < timedelta(milliseconds=1)
