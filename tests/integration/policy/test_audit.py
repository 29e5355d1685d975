"""The audit trail on every live database: rows for each change, refused UPDATE and DELETE."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from hisms.carrier.base import utcnow
from hisms.engine.routing.rules import Member, RouteTable, Rule
from hisms.engine.store.base import Store, StoreError
from hisms.engine.store.policystore import AuditFilter, Who

ALICE = Who("cli:alice", "hisms-cli", "10.1.2.3")


def test_an_audit_row_says_who_from_where_what_and_when(store: Store) -> None:
    before = utcnow() - timedelta(seconds=5)
    store.audit(ALICE, "export", "blacklist", "csv", None, {"rows": 3})
    (row,) = store.audit_trail(AuditFilter())
    assert (row["actor"], row["caller"], row["client_ip"]) == ("cli:alice", "hisms-cli", "10.1.2.3")
    assert (row["action"], row["object"], row["name"]) == ("export", "blacklist", "csv")
    assert row["db_role"]  # the database account that wrote it
    assert row["before_json"] is None and json.loads(row["after_json"]) == {"rows": 3}
    assert store.audit_trail(AuditFilter(since=before, object="blacklist", actor="cli:alice"))
    assert not store.audit_trail(AuditFilter(since=utcnow() + timedelta(minutes=1)))
    assert not store.audit_trail(AuditFilter(action="delete"))


@pytest.mark.parametrize(
    "statement", ["UPDATE sms_audit SET actor = 'x';", "DELETE FROM sms_audit;"]
)
def test_nobody_updates_or_deletes_the_audit_trail(store: Store, statement: str) -> None:
    store.audit(ALICE, "send", "message", "1", None, None)
    with pytest.raises(StoreError, match="append-only"), store.transaction() as tx:
        tx.script(statement)
    (row,) = store.audit_trail(AuditFilter())
    assert row["actor"] == "cli:alice"


def test_routing_and_mode_changes_are_in_the_audit_trail(store: Store) -> None:
    table = RouteTable((Rule("default", "main", 90),), (Member("main", "cmcc", 100, 0),))
    store.save_routes(table, "ops")
    store.set_channel_mode("cmcc", "DISABLED", "maintenance", "ops")
    store.set_mode("table", ["HIS"], "ops", "platform down")
    found = {(r["object"], r["name"], r["action"]) for r in store.audit_trail(AuditFilter())}
    assert found == {
        ("rule", "default", "create"),
        ("group", "main", "create"),
        ("channel", "cmcc", "update"),
        ("source_mode", "HIS", "update"),
    }
    assert store.route_history(5)  # `hisms route history` still reads its own table


def test_a_cancel_is_audited(store: Store) -> None:
    from hisms.engine.store.base import NewMessage

    (outbox_id,) = store.enqueue([NewMessage("13800138000", "hello")], "ws:HIS")
    assert store.cancel(outbox_id, "ws:HIS", "wrong patient")
    (row,) = store.audit_trail(AuditFilter(action="cancel"))
    assert (row["object"], row["name"], row["actor"]) == ("message", str(outbox_id), "ws:HIS")
