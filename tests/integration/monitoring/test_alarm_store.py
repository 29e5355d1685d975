"""``sms_alarm`` (migration 0007) and the daily totals, on every live database."""

from __future__ import annotations

from datetime import timedelta

from hisms.carrier.base import utcnow
from hisms.engine.store.base import AlarmEvent, NewMessage, Store


def test_alarm_events_are_journaled_and_listed_newest_first(store: Store) -> None:
    now = utcnow()
    events = [
        AlarmEvent(now - timedelta(minutes=5), "w1", "channel_down", "cmcc", "RAISED",
                   "channel cmcc DOWN for 60s", "sms 138****0000 via backup: ok"),
        AlarmEvent(now, "w1", "channel_down", "cmcc", "CLEARED", "channel cmcc is up", "x" * 2000),
        AlarmEvent(now, "w1", "database_down", "", "RAISED", "数据库不可达", ""),
    ]  # fmt: skip
    store.record_alarms(events)
    rows = store.recent_alarms(now - timedelta(minutes=1), 10)
    assert [(r["alarm"], r["event"]) for r in rows] == [
        ("database_down", "RAISED"),
        ("channel_down", "CLEARED"),
    ]
    assert rows[0]["message"] == "数据库不可达" and len(rows[1]["notified"]) == 1000
    assert len(store.recent_alarms(now - timedelta(hours=1), 10)) == 3
    assert len(store.recent_alarms(now - timedelta(hours=1), 2)) == 2


def test_day_totals_count_the_day_per_source_and_channel(store: Store) -> None:
    store.enqueue([NewMessage("13800000000", "a", source_system="LIS")] * 2, actor="t")
    store.set_timezone("UTC")
    (row,) = store.day_totals(utcnow().date())
    assert row["source_system"] == "LIS" and int(row["messages"]) == 2
    assert store.day_totals(utcnow().date() - timedelta(days=3)) == []
