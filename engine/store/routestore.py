"""The routing and channel-health operations of every SQL store, over named statements.

A change to a rule, a group, an override or a channel's mode is a delete and an insert
(portable, no upsert per dialect) plus its ``sms_route_audit`` row, in one transaction.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol

from hisms.engine.numbering import NumberInfo
from hisms.engine.routing import rows
from hisms.engine.routing.rules import RouteTable, groups_of
from hisms.engine.store.policystore import Who, audit, plain

Row = dict[str, Any]
ENABLED = {"admin_mode": "ENABLED"}  # a channel without a sms_channel_admin row


class _Tx(Protocol):
    def run(self, name: str, /, **params: Any) -> list[Row]: ...

    def changed(self, name: str, /, **params: Any) -> int: ...


class RouteStore(ABC):
    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[_Tx]: ...

    def route_version(self) -> str:
        with self.transaction() as tx:
            (row,) = tx.run("route_version")
        return "|".join(str(row[k]) for k in sorted(row))

    def load_routes(self) -> RouteTable | None:
        with self.transaction() as tx:
            rules = tx.run("route_rules")
            if not rules:
                return None
            return rows.table_of(rules, tx.run("route_members"), tx.run("number_overrides"))

    def save_routes(self, table: RouteTable, actor: str) -> list[str]:
        changed: list[str] = []
        with self.transaction() as tx:
            old_rules = {r["name"]: plain(r) for r in tx.run("route_rules")}
            new_rules = {r.name: rows.rule_row(r) for r in table.rules}
            for name in sorted(old_rules.keys() | new_rules.keys()):
                before, after = old_rules.get(name), new_rules.get(name)
                if before != after:
                    _replace_rule(tx, name, before, after, actor)
                    changed.append(f"rule {name}")
            old_groups = _grouped(tx.run("route_members"))
            new_groups = {
                g: [rows.member_row(m) for m in ms] for g, ms in groups_of(table.members).items()
            }
            for group in sorted(old_groups.keys() | new_groups.keys()):
                before_g, after_g = old_groups.get(group), new_groups.get(group)
                if before_g != after_g:
                    _replace_group(tx, group, before_g, after_g, actor)
                    changed.append(f"group {group}")
        return changed

    def set_override(self, phone: str, info: NumberInfo | None, note: str, actor: str) -> bool:
        after = None
        if info is not None:
            after = {
                "phone": phone,
                "operator": info.operator,
                "province": info.province or None,
                "city": info.city or None,
                "note": note or None,
            }
        with self.transaction() as tx:
            found = tx.run("get_override", phone=phone)
            before = plain(found[0]) if found else None
            if before is None and after is None:
                return False  # nothing to forget: no change, no audit row
            tx.changed("delete_override", phone=phone)
            if after is not None:
                tx.changed("insert_override", actor=actor, **after)
            _audit(tx, "override", phone, before, after, actor)
        return True

    def overrides(self) -> list[Row]:
        """Every number override (携号转网), with its note and its last change."""
        with self.transaction() as tx:
            return tx.run("number_overrides")

    def route_history(self, limit: int) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("route_history", limit=limit)

    def channel_modes(self) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("channel_modes")

    def set_channel_mode(self, channel: str, mode: str, reason: str, actor: str) -> None:
        with self.transaction() as tx:
            found = [r for r in tx.run("channel_modes") if r["channel"] == channel]
            before = {k: found[0][k] for k in ("admin_mode", "reason")} if found else ENABLED
            tx.changed("delete_channel_mode", channel=channel)
            after = None if mode == "ENABLED" else {"admin_mode": mode, "reason": reason or None}
            if after is not None:
                tx.changed("insert_channel_mode", channel=channel, actor=actor, **after)
            _audit(tx, "channel", channel, before, after or ENABLED, actor)

    def save_health(self, worker: str, rows_: Sequence[Row]) -> None:
        if not rows_:
            return
        with self.transaction() as tx:
            for row in rows_:
                tx.changed("delete_channel_state", channel=row["channel"], worker=worker)
                tx.changed("insert_channel_state", worker=worker, **row)

    def channel_states(self) -> list[Row]:
        with self.transaction() as tx:
            return tx.run("channel_states")


def _grouped(members: list[Row]) -> dict[str, list[Row]]:
    named: dict[str, list[Row]] = {}
    for m in members:
        named.setdefault(m["group_name"], []).append(plain(m))
    return named


def _replace_rule(tx: _Tx, name: str, before: Row | None, after: Row | None, actor: str) -> None:
    tx.changed("delete_rule", name=name)
    if after is not None:
        tx.changed("insert_rule", actor=actor, **after)
    _audit(tx, "rule", name, before, after, actor)


def _replace_group(
    tx: _Tx, group: str, before: list[Row] | None, after: list[Row] | None, actor: str
) -> None:
    tx.changed("delete_group", group_name=group)
    for member in after or []:
        tx.changed("insert_member", actor=actor, **member)
    _audit(tx, "group", group, before, after, actor)


def _audit(tx: _Tx, obj: str, name: str, before: Any, after: Any, actor: str) -> None:
    """Record the change in sms_route_audit (what `hisms route history` shows) and in the
    audit trail of every change, sms_audit."""
    action = "create" if before is None else "delete" if after is None else "update"
    audit(tx, Who(actor), action, obj, name, before, after)
    tx.changed(
        "audit_route",
        actor=actor,
        object=obj,
        name=name,
        before_json=rows.as_json(before),
        after_json=rows.as_json(after),
    )
