"""The console's address book for every SQL store, over named statements: contacts, contact
groups and their members, each in a department (``'*'``: the whole hospital). Every change
is a row of ``sms_audit`` in the same transaction (objects ``contact`` and ``contact_group``).

Who may see which department is the console's business (its users' scope); the store only
keeps a number once per department and a group's members in the group's department.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hisms.engine import phone
from hisms.engine.store.policystore import Who, audit, plain

Row = dict[str, Any]
HOSPITAL = "*"  # the department of what belongs to no department: the whole hospital's


class _Tx(Protocol):
    def run(self, name: str, /, **params: Any) -> list[Row]: ...

    def changed(self, name: str, /, **params: Any) -> int: ...


class BookError(ValueError):
    """A refused address-book change; the message is for the person at the screen."""


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """The address book's search; None: any. ``name`` and ``phone`` match anywhere."""

    dept_code: str | None = None
    name: str | None = None
    phone: str | None = None
    group_id: int | None = None

    def params(self) -> Row:
        return {"dept_code": self.dept_code, "name": _like(self.name),
                "phone": _like(self.phone), "group_id": self.group_id}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of an import, checked: a normalised number, a name, a group's name or ''."""

    name: str
    phone: str
    group: str = ""


@dataclass
class Imported:
    """What an import did."""

    added: int = 0
    updated: int = 0  # an existing number given another name or a new group
    unchanged: int = 0
    groups: int = 0  # groups created


class BookStore(ABC):
    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[_Tx]: ...

    # -- reading ------------------------------------------------------------------

    def contacts(self, where: ContactFilter, limit: int, offset: int = 0) -> list[Row]:
        """A page of contacts by name, each with ``groups`` (its groups' names)."""
        with self.transaction() as tx:
            rows = [plain(r) for r in tx.run("contact_rows", **where.params(), limit=limit,
                                              skip=offset)]  # fmt: skip
            for row in rows:
                found = tx.run("member_rows", contact_id=row["id"], dept_code=None)
                row["groups"] = [str(m["name"]) for m in found]
        return rows

    def count_contacts(self, where: ContactFilter) -> int:
        with self.transaction() as tx:
            return int(tx.run("contact_count", **where.params())[0]["n"])

    def all_contacts(self, where: ContactFilter, limit: int) -> list[Row]:
        """Up to ``limit`` contacts for an export, with their groups (one query for all)."""
        with self.transaction() as tx:
            rows = [plain(r) for r in tx.run("contact_rows", **where.params(), limit=limit,
                                              skip=0)]  # fmt: skip
            members: dict[int, list[str]] = {}
            for m in tx.run("member_rows", contact_id=None, dept_code=where.dept_code):
                members.setdefault(int(m["contact_id"]), []).append(str(m["name"]))
        for row in rows:
            row["groups"] = members.get(row["id"], [])
        return rows

    def contact(self, contact_id: int) -> Row | None:
        """A contact with ``group_ids``, or None."""
        with self.transaction() as tx:
            found = tx.run("get_contact", id=contact_id)
            if not found:
                return None
            row = plain(found[0])
            members = tx.run("member_rows", contact_id=contact_id, dept_code=None)
        row["group_ids"] = [int(m["group_id"]) for m in members]
        return row

    def contact_groups(self, dept_code: str | None) -> list[Row]:
        """A department's groups (None: every one) with ``members`` counted."""
        with self.transaction() as tx:
            return [plain(r) for r in tx.run("contact_group_rows", dept_code=dept_code)]

    def contact_group(self, group_id: int) -> Row | None:
        with self.transaction() as tx:
            found = tx.run("get_contact_group", id=group_id)
        return plain(found[0]) if found else None

    def group_phones(self, group_id: int) -> list[str]:
        """The numbers of a group's members, to send to."""
        with self.transaction() as tx:
            return [str(r["phone"]) for r in tx.run("group_phones", group_id=group_id)]

    # -- contacts -----------------------------------------------------------------

    def save_contact(self, row: Row, group_ids: Iterable[int] | None, who: Who) -> int:
        """Add (``row["id"]`` None) or change a contact: dept_code, name, phone, note; and,
        unless ``group_ids`` is None, make these its groups. Its id; BookError when the
        number is another contact's in the department or a group is not of it."""
        values: Row = {k: row.get(k) for k in ("dept_code", "name", "phone", "note")}
        values["phone"] = phone.normalise(str(values["phone"] or ""))
        given: int | None = row.get("id")
        with self.transaction() as tx:
            before = _contact(tx, given) if given is not None else None
            if given is not None and before is None:
                raise BookError("联系人已被删除")
            holder = tx.run("contact_with_phone", dept_code=values["dept_code"],
                            phone=values["phone"])  # fmt: skip
            if holder and int(holder[0]["id"]) != given:
                raise BookError(f"号码 {values['phone']} 已在通讯录中（{holder[0]['name']}）")
            if given is None:
                (got,) = tx.run("insert_contact", actor=who.actor, **values)
            else:
                tx.changed("update_contact", id=given, actor=who.actor, **values)
            contact_id = int(got["id"]) if given is None else given
            groups = _set_groups(tx, contact_id, str(values["dept_code"]), group_ids, who)
            shown = None
            if before is not None:
                shown = {k: v for k, v in before.items() if k != "group_ids"}
                shown["groups"] = sorted(before["group_ids"])
            audit(tx, who, "update" if before else "create", "contact", str(contact_id),
                  shown, {**values, "groups": groups})  # fmt: skip
        return contact_id

    def delete_contact(self, contact_id: int, who: Who) -> bool:
        with self.transaction() as tx:
            before = _contact(tx, contact_id)
            if before is None:
                return False
            tx.changed("delete_contact_members", contact_id=contact_id)
            tx.changed("delete_contact", id=contact_id)
            audit(tx, who, "delete", "contact", str(contact_id), before, None)
        return True

    def import_contacts(self, dept_code: str, entries: Sequence[Entry], who: Who) -> Imported:
        """Add each entry's number to the department's book, or update the contact holding
        it (its name; its group added); groups named and missing are made. Entries are
        distinct numbers (the caller de-duplicates the file). One audit row of counts."""
        with self.transaction() as tx:
            book = _Import(tx, dept_code, who)
            for entry in entries:
                book.add(entry)
            book.done.unchanged = len(entries) - book.done.added - book.done.updated
            audit(tx, who, "import", "contact", dept_code, None, vars(book.done))
        return book.done

    # -- groups -------------------------------------------------------------------

    def save_contact_group(self, group_id: int | None, dept_code: str, name: str,
                           who: Who) -> int:  # fmt: skip
        """Create a group (``group_id`` None) or rename one; its id. BookError when the
        department has a group of that name already."""
        with self.transaction() as tx:
            taken = tx.run("contact_group_named", dept_code=dept_code, name=name)
            if taken and int(taken[0]["id"]) != group_id:
                raise BookError(f"分组“{name}”已存在")
            if group_id is None:
                (got,) = tx.run("insert_contact_group", dept_code=dept_code, name=name,
                                actor=who.actor)  # fmt: skip
                audit(tx, who, "create", "contact_group", str(got["id"]), None,
                      {"dept_code": dept_code, "name": name})  # fmt: skip
                return int(got["id"])
            (before,) = tx.run("get_contact_group", id=group_id)
            tx.changed("rename_contact_group", id=group_id, name=name, actor=who.actor)
            audit(tx, who, "rename", "contact_group", str(group_id), {"name": before["name"]},
                  {"name": name})  # fmt: skip
        return group_id

    def delete_contact_group(self, group_id: int, who: Who) -> bool:
        """Remove a group (its contacts stay)."""
        with self.transaction() as tx:
            found = tx.run("get_contact_group", id=group_id)
            if not found:
                return False
            tx.changed("delete_group_members", group_id=group_id)
            tx.changed("delete_contact_group", id=group_id)
            before = {k: found[0][k] for k in ("dept_code", "name")}
            audit(tx, who, "delete", "contact_group", str(group_id), before, None)
        return True

    def set_members(self, group_id: int, contact_ids: Iterable[int], add: bool, who: Who) -> int:
        """Put contacts in a group (``add``) or take them out; how many changed. A contact
        of another department than the group's is a BookError."""
        changed: list[int] = []
        with self.transaction() as tx:
            (group,) = tx.run("get_contact_group", id=group_id)
            inside = {int(m["contact_id"]) for m in tx.run("member_rows", contact_id=None,
                                                           dept_code=group["dept_code"])
                      if int(m["group_id"]) == group_id}  # fmt: skip
            for contact_id in sorted(set(contact_ids)):
                found = tx.run("get_contact", id=contact_id)
                if not found or found[0]["dept_code"] != group["dept_code"]:
                    raise BookError(f"联系人 {contact_id} 不属于分组“{group['name']}”的科室")
                if add and contact_id not in inside:
                    tx.changed("insert_contact_member", group_id=group_id, contact_id=contact_id,
                               actor=who.actor)  # fmt: skip
                    changed.append(contact_id)
                elif not add and contact_id in inside:
                    tx.changed("delete_member", group_id=group_id, contact_id=contact_id)
                    changed.append(contact_id)
            if changed:
                action = "add-members" if add else "remove-members"
                audit(tx, who, action, "contact_group", str(group_id), None,
                      {"contacts": changed})  # fmt: skip
        return len(changed)


class _Import:
    """An import in one transaction: the department's numbers, groups and memberships read
    once, then each entry added or matched."""

    def __init__(self, tx: _Tx, dept_code: str, who: Who) -> None:
        self.tx, self.dept_code, self.who = tx, dept_code, who
        self.done = Imported()
        self.known = {r["phone"]: plain(r) for r in tx.run("contact_phones", dept_code=dept_code)}
        groups = tx.run("contact_group_rows", dept_code=dept_code)
        self.groups = {str(r["name"]): int(r["id"]) for r in groups}
        members = tx.run("member_rows", contact_id=None, dept_code=dept_code)
        self.members = {(int(m["group_id"]), int(m["contact_id"])) for m in members}

    def add(self, entry: Entry) -> None:
        found = self.known.get(entry.phone)
        if found is None:
            values = {"dept_code": self.dept_code, "name": entry.name, "phone": entry.phone,
                      "note": None}  # fmt: skip
            (got,) = self.tx.run("insert_contact", actor=self.who.actor, **values)
            self.known[entry.phone] = {**values, "id": int(got["id"])}
            self.done.added += 1
            if entry.group:
                self._join(entry.group, int(got["id"]))
            return
        renamed = found["name"] != entry.name
        if renamed:
            found["name"] = entry.name
            self.tx.changed("update_contact", actor=self.who.actor, **found)
        joined = bool(entry.group) and self._join(entry.group, int(found["id"]))
        self.done.updated += renamed or joined

    def _join(self, group: str, contact_id: int) -> bool:
        if group not in self.groups:
            (got,) = self.tx.run("insert_contact_group", dept_code=self.dept_code, name=group,
                                 actor=self.who.actor)  # fmt: skip
            self.groups[group] = int(got["id"])
            self.done.groups += 1
        pair = (self.groups[group], contact_id)
        if pair in self.members:
            return False
        self.tx.changed("insert_contact_member", group_id=pair[0], contact_id=pair[1],
                        actor=self.who.actor)  # fmt: skip
        self.members.add(pair)
        return True


def _contact(tx: _Tx, contact_id: int) -> Row | None:
    found = tx.run("get_contact", id=contact_id)
    if not found:
        return None
    row = {k: found[0][k] for k in ("dept_code", "name", "phone", "note")}
    members = tx.run("member_rows", contact_id=contact_id, dept_code=None)
    return {**row, "group_ids": [int(m["group_id"]) for m in members]}


def _set_groups(
    tx: _Tx, contact_id: int, dept_code: str, group_ids: Iterable[int] | None, who: Who
) -> list[int]:
    """Make ``group_ids`` the contact's groups (None: leave them); its groups after."""
    now = {int(m["group_id"]) for m in tx.run("member_rows", contact_id=contact_id,
                                              dept_code=None)}  # fmt: skip
    if group_ids is None:
        return sorted(now)
    wanted = set(group_ids)
    for group_id in sorted(wanted - now):
        found = tx.run("get_contact_group", id=group_id)
        if not found or found[0]["dept_code"] != dept_code:
            raise BookError("所选分组不属于该联系人的科室")
        tx.changed(
            "insert_contact_member", group_id=group_id, contact_id=contact_id, actor=who.actor
        )
    for group_id in sorted(now - wanted):
        tx.changed("delete_member", group_id=group_id, contact_id=contact_id)
    return sorted(wanted)


def _like(text: str | None) -> str | None:
    """A LIKE pattern matching ``text`` anywhere (``!`` escapes % and _)."""
    if not text:
        return None
    escaped = text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"
