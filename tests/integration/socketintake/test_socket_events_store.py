"""socket_events / ack_socket_event on every live database: final reports and replies of a
registered source system until answered, then never again (CONSUMED: test_smpp_intake)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hisms.engine.store.base import Mo, NewMessage, Store


def test_events_until_answered(store: Store) -> None:
    store.register_sources(["LIS"], "table", "t")
    first, _pending = store.enqueue(
        [NewMessage("13800138000", "a", "LIS"), NewMessage("13800138001", "b", "LIS")], "t"
    )
    (other,) = store.enqueue([NewMessage("13800138002", "c", "HIS")], "t")
    for outbox_id in (first, other):
        assert store.cancel(outbox_id, "t", "test")  # a final status: an event
    now = datetime.now(UTC)
    store.save_mo("t", [Mo("cmcc", "13800138000", "1069012302", "好", now, "LIS")], 72)
    since = now - timedelta(hours=1)
    events = store.socket_events("LIS", since, 10)
    assert [(e["kind"], e["outbox_id"]) for e in events][:1] == [("STATUS", first)]
    assert [e["kind"] for e in events] == ["STATUS", "MO"]  # not HIS's, not the PENDING one
    assert store.socket_events("LIS", now + timedelta(hours=1), 10) == []  # too old
    assert store.ack_socket_event(events[1], "t")
    assert not store.ack_socket_event(events[1], "t")  # once
    assert [e["id"] for e in store.socket_events("LIS", since, 10)] == [events[0]["id"]]
