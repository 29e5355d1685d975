"""The content-policy operations of every SQL store, over named statements: the audit trail,
the policy tables (source profiles, account signatures, templates, words, blacklist) and
the alarm rules' thresholds.

A change to a policy row is a delete and an insert (portable, no upsert per dialect) plus
its ``sms_audit`` row, in one transaction, like the routing tables' changes.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hisms.engine import phone
from hisms.engine.routing.rows import as_json

Row = dict[str, Any]
Json = Row | list[Row] | None  # a row before or after a change, as sms_audit keeps it

# The editable policy tables by kind: the named statements are <kind>_rows, get_<kind>,
# delete_<kind> and insert_<kind>; the value is the kind's key column.
KINDS = {
    "profile": "source_system",
    "account_signature": "account",
    "template": "code",
    "word": "word",
    "alarm_rule": "name",
    "account": "account",
}


@dataclass(frozen=True, slots=True)
class Who:
    """Who makes a change, for the audit trail."""

    actor: str  # the person or system: cli:alice, ws:HIS, a worker id
    caller: str = "hisms"  # the program: hisms-cli, webservice, engine
    ip: str | None = None  # the caller's address; None: the database's view of it


@dataclass(frozen=True, slots=True)
class AuditFilter:
    object: str | None = None
    name: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class PolicyRows:
    """Every policy table as rows, as the engine loads them."""

    profiles: list[Row]
    signatures: list[Row]
    templates: list[Row]
    words: list[Row]
    blacklist: list[Row]


class _Writes(Protocol):
    def changed(self, name: str, /, **params: Any) -> int: ...


class _Tx(_Writes, Protocol):
    def run(self, name: str, /, **params: Any) -> list[Row]: ...

    def batch(self, name: str, rows: Sequence[Row], /, **params: Any) -> list[Row]: ...


class PolicyStore(ABC):
    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[_Tx]: ...

    # -- the audit trail --------------------------------------------------------

    def audit(
        self, who: Who, action: str, obj: str, name: str, before: Json = None, after: Json = None
    ) -> None:
        """Append one row to ``sms_audit`` (a manual send, an export, ...)."""
        with self.transaction() as tx:
            audit(tx, who, action, obj, name, before, after)

    def audit_trail(self, where: AuditFilter) -> list[Row]:
        """Audit rows matching ``where``, newest first."""
        params = {k: getattr(where, k) for k in AuditFilter.__dataclass_fields__}
        with self.transaction() as tx:
            return tx.run("audit_trail", **params)

    # -- the policy tables ------------------------------------------------------

    def policy_version(self) -> str:
        """Changes whenever a policy row does (cheap to ask)."""
        with self.transaction() as tx:
            (row,) = tx.run("policy_version")
        return "|".join(str(row[k]) for k in sorted(row))

    def load_policy(self) -> PolicyRows:
        with self.transaction() as tx:
            return PolicyRows(
                profiles=[plain(r) for r in tx.run("profile_rows")],
                signatures=tx.run("account_signature_rows"),
                templates=tx.run("template_rows"),
                words=[plain(r) for r in tx.run("word_rows")],
                blacklist=[plain(r) for r in tx.run("blacklist_rows")],
            )

    def alarm_rule_version(self) -> str:
        """Changes whenever an alarm rule does (cheap to ask)."""
        with self.transaction() as tx:
            (row,) = tx.run("alarm_rule_version")
        return "|".join(str(row[k]) for k in sorted(row))

    def alarm_rules(self) -> list[Row]:
        """Every row of ``sms_alarm_rule`` (name, enabled, thresholds, repeat_seconds,
        updated_at, updated_by)."""
        with self.transaction() as tx:
            return [plain(r) for r in tx.run("alarm_rule_rows")]

    def policy_row(self, kind: str, key: str) -> Row | None:
        """The ``kind`` row with this key, if there is one."""
        with self.transaction() as tx:
            found = tx.run(f"get_{kind}", **{KINDS[kind]: key})
        return plain(found[0]) if found else None

    def put_policy(self, kind: str, row: Row, who: Who) -> bool:
        """Make the ``kind`` row of ``row``'s key hold ``row``; False when it already did."""
        key = {KINDS[kind]: row[KINDS[kind]]}
        with self.transaction() as tx:
            found = tx.run(f"get_{kind}", **key)
            before = plain(found[0]) if found else None
            if before == row:
                return False
            tx.changed(f"delete_{kind}", **key)
            tx.changed(f"insert_{kind}", actor=who.actor, **row)
            audit(tx, who, "update" if before else "create", kind, str(*key.values()), before, row)
        return True

    def delete_policy(self, kind: str, key: str, who: Who) -> bool:
        """Remove the ``kind`` row with this key; False when there was none."""
        with self.transaction() as tx:
            found = tx.run(f"get_{kind}", **{KINDS[kind]: key})
            if not found:
                return False
            tx.changed(f"delete_{kind}", **{KINDS[kind]: key})
            audit(tx, who, "delete", kind, key, plain(found[0]), None)
        return True

    def load_words(self, words: Iterable[str], note: str, who: Who) -> tuple[int, int]:
        """Make the sensitive words noted ``note`` (a file's) be ``words``: add the missing
        ones, remove those no longer listed; words added otherwise are left alone. How many
        were added and removed; one audit row when anything changed."""
        wanted = set(words) - {""}
        with self.transaction() as tx:
            rows = tx.run("word_rows")
            added = sorted(wanted - {r["word"] for r in rows})
            gone = sorted({r["word"] for r in rows if r["note"] == note} - wanted)
            for word in gone:
                tx.changed("delete_word", word=word)
            for word in added:
                tx.changed("insert_word", actor=who.actor, word=word, allow=0, note=note)
            if added or gone:
                counts = ({"removed": len(gone)}, {"added": len(added), "listed": len(wanted)})
                audit(tx, who, "load", "word", note, *counts)
        return len(added), len(gone)

    def add_blacklist(self, entries: Sequence[Row], who: Who) -> list[int]:
        """Add blacklist entries (phone, prefix, source_system, service_number, categories,
        reason, inbox_id, expire_at); their ids."""
        ids = []
        with self.transaction() as tx:
            for entry in entries:
                (got,) = tx.run("insert_blacklist", actor=who.actor, **entry)
                ids.append(int(got["id"]))
                audit(tx, who, "create", "blacklist", str(ids[-1]), None, entry)
        return ids

    # -- duplicates ---------------------------------------------------------------

    def first_messages(self, claims: Sequence[Row], now: datetime) -> dict[str, int]:
        """Record each window (digest, outbox_id, expire_at) unless a live one holds its
        digest; the first message of every window, by digest."""
        rows = sorted(claims, key=lambda r: str(r["digest"]))  # one lock order for all
        with self.transaction() as tx:
            tx.batch("claim_duplicates", rows, now=now)
            owners = tx.batch("duplicate_owners", [{"digest": r["digest"]} for r in rows])
        return {r["digest"]: int(r["outbox_id"]) for r in owners}

    def purge_duplicates(self, before: datetime) -> int:
        """Forget windows that ended before ``before``; how many went."""
        with self.transaction() as tx:
            return tx.changed("purge_duplicates", before=before)

    def remove_blacklist(self, entry_id: int, who: Who) -> bool:
        with self.transaction() as tx:
            found = tx.run("get_blacklist", id=entry_id)
            if not found:
                return False
            tx.changed("delete_blacklist", id=entry_id)
            audit(tx, who, "delete", "blacklist", str(entry_id), plain(found[0]), None)
        return True


def unsubscribed(tx: _Tx, worker: str, inbox_id: int, categories: str) -> tuple[int, str, str]:
    """Blacklist the number of a stored unsubscribe reply for ``categories`` of the source
    system it went to (every source when none is known), and show the entry on the reply;
    (the entry's id, the number, the source system). A reply the carrier delivered again
    finds the entry its first delivery added: it is shown, not added (nor audited) twice."""
    (reply,) = tx.run("inbox_reply", id=inbox_id)
    try:
        number = phone.normalise(reply["phone"])
    except phone.InvalidPhone:
        number = reply["phone"]
    scope = {"phone": number, "source_system": reply["source_system"], "categories": categories}
    known = tx.run("unsubscribe_entry", **scope)
    if known and known[0]["id"] is not None:
        entry_id = int(known[0]["id"])
    else:
        entry = {
            **scope,
            "prefix": 0,
            # Not scoped by the number replied to: notices of that source sent through
            # another channel (routing, a fail-over) come from another number (policy.md).
            "service_number": None,
            "reason": "unsubscribed by reply",
            "inbox_id": inbox_id,
            "expire_at": None,
        }
        (got,) = tx.run("insert_blacklist", actor=worker, **entry)
        entry_id = int(got["id"])
        audit(tx, Who(worker, "engine"), "unsubscribe", "blacklist", str(entry_id), None, entry)
    tx.changed("mark_unsubscribed", id=inbox_id, blacklist_id=entry_id, worker=worker)
    return entry_id, number, reply["source_system"] or ""


def audit(
    tx: _Writes, who: Who, action: str, obj: str, name: str, before: Json, after: Json
) -> None:
    """Write one ``sms_audit`` row in ``tx``: the change commits with its record, or neither."""
    tx.changed(
        "audit",
        actor=who.actor,
        caller=who.caller,
        client_ip=who.ip,
        action=action,
        object=obj,
        name=name[:200],
        before_json=as_json(before),
        after_json=as_json(after),
    )


def plain(row: Row) -> Row:
    """A fetched row as the rows we write: ints as ints (drivers answer Decimal or bool)."""
    return {k: int(v) if isinstance(v, bool) or _integral(v) else v for k, v in row.items()}


def _integral(value: Any) -> bool:
    """A number without a fraction (a price of 0.05 stays what it is)."""
    return hasattr(value, "as_integer_ratio") and value == int(value)
