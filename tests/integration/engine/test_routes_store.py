"""Routing tables, overrides, operators' modes, audit and health rows on every live database."""

from __future__ import annotations

import json
from datetime import timedelta

from hisms.carrier.base import utcnow
from hisms.engine.numbering import NumberInfo
from hisms.engine.routing.rules import Member, RouteTable, Rule
from hisms.engine.store.base import Store

TABLE = RouteTable(
    (
        Rule("cv", "urgent", 10, max_priority=1),
        Rule("gd", "south", 20, operators=("unicom",), provinces=("广东省", "广西壮族自治区")),
        Rule("default", "main", 90),
    ),
    (
        Member("main", "cmcc", 70, 0),
        Member("main", "ctcc", 30, 1),
        Member("main", "backup", 0, 2),
        Member("urgent", "cmcc", 100, 0),
        Member("south", "cucc", 100, 0),
    ),
)


def test_rules_round_trip_and_each_change_is_audited(store: Store) -> None:
    assert store.load_routes() is None
    version = store.route_version()
    assert store.save_routes(TABLE, "ops") == [
        "rule cv",
        "rule default",
        "rule gd",
        "group main",
        "group south",
        "group urgent",
    ]
    loaded = store.load_routes()
    assert loaded is not None and loaded.rules == TABLE.rules
    assert loaded.group("main") == TABLE.group("main")
    assert store.route_version() != version
    changed = RouteTable(TABLE.rules[1:], TABLE.members[:3] + TABLE.members[4:])
    assert store.save_routes(changed, "ops2") == ["rule cv", "group urgent"]
    assert store.save_routes(changed, "ops2") == []
    last = store.route_history(2)
    assert {(r["object"], r["name"], r["changed_by"]) for r in last} == {
        ("rule", "cv", "ops2"),
        ("group", "urgent", "ops2"),
    }
    rule = next(r for r in last if r["object"] == "rule")
    assert json.loads(rule["before_json"])["max_priority"] == 1 and rule["after_json"] is None


def test_an_override_wins_and_is_audited(store: Store) -> None:
    store.save_routes(TABLE, "ops")
    before = store.route_version()
    store.set_override("13800138000", NumberInfo("unicom", "广东省", "深圳市"), "携号转网", "dba")
    assert store.route_version() != before
    loaded = store.load_routes()
    assert loaded is not None
    assert loaded.overrides["13800138000"] == NumberInfo("unicom", "广东省", "深圳市", "override")
    assert store.set_override("13800138000", None, "", "dba")
    assert "13800138000" not in (store.load_routes() or TABLE).overrides
    assert not store.set_override("13800138000", None, "", "dba")  # nothing left to forget
    history = store.route_history(3)
    assert [r["object"] for r in history][:2] == ["override", "override"]
    assert len([r for r in history if r["object"] == "override"]) == 2


def test_channel_modes_and_health_rows(store: Store) -> None:
    store.set_channel_mode("cmcc", "DISABLED", "gateway maintenance", "ops")
    store.set_channel_mode("ctcc", "DRAINING", "", "ops")
    store.set_channel_mode("ctcc", "ENABLED", "", "ops")
    modes = store.channel_modes()
    assert [(m["channel"], m["admin_mode"], m["reason"]) for m in modes] == [
        ("cmcc", "DISABLED", "gateway maintenance")
    ]
    since = utcnow() - timedelta(seconds=5)
    row = {
        "channel": "cmcc",
        "state": "DOWN",
        "reason": "link down",
        "takes_new": 0,
        "since": since,
    }
    store.save_health("w1", [row])
    store.save_health("w1", [{**row, "state": "UP", "reason": "", "takes_new": 1}])
    store.save_health("w2", [row])
    states = store.channel_states()
    assert [(s["worker"], s["state"]) for s in states] == [("w1", "UP"), ("w2", "DOWN")]
    assert all(float(s["age_seconds"]) < 30 for s in states)
