"""Rules, group members and overrides as the rows of sms_route_rule, sms_channel_group and
sms_number_override: list conditions are comma-separated text, NULL for any."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hisms.engine.numbering import NumberInfo
from hisms.engine.routing.rules import CONDITIONS, Member, RouteTable, Rule

Row = dict[str, Any]
_LISTS = [mine for mine, _, _ in CONDITIONS]


def rule_row(rule: Rule) -> Row:
    row: Row = {
        "name": rule.name,
        "position": rule.position,
        "group_name": rule.group,
        "min_priority": rule.min_priority,
        "max_priority": rule.max_priority,
        "enabled": int(rule.enabled),
    }
    row.update({k: ",".join(getattr(rule, k)) or None for k in _LISTS})
    return row


def rule_of(row: Row) -> Rule:
    lists = {k: tuple(v.strip() for v in (row[k] or "").split(",") if v.strip()) for k in _LISTS}
    return Rule(
        name=row["name"],
        group=row["group_name"],
        position=int(row["position"]),
        min_priority=int(row["min_priority"]),
        max_priority=int(row["max_priority"]),
        enabled=bool(row["enabled"]),
        **lists,
    )


def member_row(member: Member) -> Row:
    return {
        "group_name": member.group,
        "channel": member.channel,
        "weight": member.weight,
        "position": member.position,
    }


def member_of(row: Row) -> Member:
    return Member(row["group_name"], row["channel"], int(row["weight"]), int(row["position"]))


def table_of(rules: Iterable[Row], members: Iterable[Row], overrides: Iterable[Row]) -> RouteTable:
    return RouteTable(
        tuple(rule_of(r) for r in rules),
        tuple(member_of(m) for m in members),
        {
            o["phone"]: NumberInfo(o["operator"], o["province"] or "", o["city"] or "", "override")
            for o in overrides
        },
    )


def as_json(row: Row | list[Row] | None) -> str | None:
    """A row (or a group's rows) for sms_route_audit."""
    return None if row is None else json.dumps(row, ensure_ascii=False, sort_keys=True, default=str)
