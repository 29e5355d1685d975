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


def test_every_kind_of_change_leaves_an_audit_row(store: Store) -> None:
    """One row per change the issue lists, on every live database, written by the store
    operations the commands, the WebService, the console and the engine call: profiles,
    templates, the blacklist (by hand and by an unsubscribe reply), words, account
    signatures, routing rules and groups, channel modes, source modes, accounts, and the
    manual send, resend, cancel and export (whose rows their callers add with ``audit``)."""
    from hisms.adapters.his import SourceProfile
    from hisms.engine.billing.accounts import Account
    from hisms.engine.store.base import Mo, NewMessage

    store.put_policy("profile", SourceProfile(signature="市一院").row("HIS"), ALICE)
    store.put_policy("profile", SourceProfile(signature="市第一人民医院").row("HIS"), ALICE)
    row = {"code": "FZ", "body": "{patient}请复诊", "category": "notice", "state": "DRAFT"}
    store.put_policy("template", {**row, "note": None}, ALICE)
    store.put_policy("template", {**row, "state": "APPROVED", "note": None}, ALICE)
    store.put_policy("word", {"word": "大麻", "allow": 0, "note": None}, ALICE)
    store.delete_policy("word", "大麻", ALICE)
    store.load_words(["赌博"], "file:regulator.txt", ALICE)
    store.put_policy("account", Account(account="ward7", daily_quota=100).row(), ALICE)
    store.put_policy("account_signature", {"account": "ward7", "signature": "七病区"}, ALICE)
    (entry,) = store.add_blacklist(
        [{"phone": "13800138000", "prefix": 0, "source_system": None, "service_number": None,
          "categories": None, "reason": "complaint", "inbox_id": None, "expire_at": None}],
        ALICE,
    )  # fmt: skip
    store.remove_blacklist(entry, ALICE)
    td = Mo("cm", "13800138009", "1069012304", "TD", utcnow(), "APPT", "notice", False)
    store.save_mo("w1", [td], 3600)
    table = RouteTable((Rule("default", "main", 90),), (Member("main", "cmcc", 100, 0),))
    store.save_routes(table, "ops")
    store.set_channel_mode("cmcc", "DRAINING", "maintenance", "ops")
    store.set_mode("table", ["HIS"], "ops", "platform down")
    (sent,) = store.enqueue([NewMessage("13800138000", "明天复诊", "HIS")], "hisms-cli")
    store.audit(ALICE, "send", "message", str(sent), None, {"phone": "138****8000"})
    again = store.enqueue_pinned(NewMessage("13800138000", "明天复诊", "HIS"), "ops", None, "cmcc")
    store.audit(ALICE, "resend", "message", str(sent), None, {"new_id": again})
    assert store.cancel(again, "ws:HIS", "wrong patient")
    store.audit(ALICE, "export", "blacklist", "黑名单.xlsx", None, {"entries": 0})

    trail = store.audit_trail(AuditFilter(limit=100))
    found = sorted((r["object"], r["action"]) for r in trail)
    assert found == sorted(
        [
            ("profile", "create"), ("profile", "update"),
            ("template", "create"), ("template", "update"),
            ("word", "create"), ("word", "delete"), ("word", "load"),
            ("account", "create"), ("account_signature", "create"),
            ("blacklist", "create"), ("blacklist", "delete"), ("blacklist", "unsubscribe"),
            ("rule", "create"), ("group", "create"),
            ("channel", "update"), ("source_mode", "update"),
            ("message", "send"), ("message", "resend"), ("message", "cancel"),
            ("blacklist", "export"),
        ]
    )  # fmt: skip
    profile = next(r for r in trail if r["object"] == "profile" and r["action"] == "update")
    assert json.loads(profile["before_json"])["signature"] == "市一院"
    assert json.loads(profile["after_json"])["signature"] == "市第一人民医院"
    assert all(r["db_role"] and r["changed_at"] for r in trail)
    with pytest.raises(StoreError, match="append-only"), store.transaction() as tx:
        tx.script("UPDATE sms_audit SET after_json = NULL WHERE action = 'export';")
    assert len(store.audit_trail(AuditFilter(limit=100))) == len(trail)
