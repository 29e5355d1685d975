"""The address book's store operations on every live database: a number once per
department, groups and members within a department, imports that update rather than
duplicate, search with LIKE's wildcards taken literally, and every change audited."""

from __future__ import annotations

import pytest

from hisms.engine.store.base import Store
from hisms.engine.store.bookstore import BookError, ContactFilter, Entry
from hisms.engine.store.policystore import AuditFilter, Who

WHO = Who("cli:alice", "test", "10.0.0.9")


def _row(dept: str, name: str, number: str, note: str | None = None) -> dict[str, object]:
    return {"id": None, "dept_code": dept, "name": name, "phone": number, "note": note}


def test_a_number_is_kept_once_per_department(store: Store) -> None:
    first = store.save_contact(_row("ICU", "张三", "+86 138 0013 8000"), [], WHO)
    with pytest.raises(BookError, match="已在通讯录中（张三）"):
        store.save_contact(_row("ICU", "张三丰", "13800138000"), [], WHO)
    other = store.save_contact(_row("LAB", "张三", "13800138000"), [], WHO)
    assert other != first
    assert store.contact(first)["phone"] == "13800138000"  # type: ignore[index]
    assert store.count_contacts(ContactFilter(phone="%")) == 0  # a wildcard is a character
    assert store.count_contacts(ContactFilter(phone="0013")) == 2
    assert store.count_contacts(ContactFilter(dept_code="ICU", name="三")) == 1


def test_groups_hold_contacts_of_their_department(store: Store) -> None:
    nurses = store.save_contact_group(None, "ICU", "护士", WHO)
    with pytest.raises(BookError, match="已存在"):
        store.save_contact_group(None, "ICU", "护士", WHO)
    store.save_contact_group(None, "LAB", "护士", WHO)  # another department may
    a = store.save_contact(_row("ICU", "A 甲", "13800138000"), [nurses], WHO)
    b = store.save_contact(_row("ICU", "B 乙", "13900139000"), [], WHO)
    stranger = store.save_contact(_row("LAB", "丙", "13700137000"), [], WHO)
    assert store.set_members(nurses, [a, b], True, WHO) == 1
    with pytest.raises(BookError):
        store.set_members(nurses, [stranger], True, WHO)
    assert store.group_phones(nurses) == ["13800138000", "13900139000"]
    assert store.save_contact_group(nurses, "ICU", "夜班护士", WHO) == nurses
    page = store.contacts(ContactFilter(group_id=nurses), 1, 1)
    assert [(r["name"], r["groups"]) for r in page] == [("B 乙", ["夜班护士"])]
    assert store.delete_contact(a, WHO) and not store.delete_contact(a, WHO)
    assert store.delete_contact_group(nurses, WHO)
    assert store.contact(b)["group_ids"] == []  # type: ignore[index]
    trail = store.audit_trail(AuditFilter(object="contact_group", limit=10))
    assert [r["action"] for r in trail][:3] == ["delete", "rename", "add-members"]
    assert {(r["actor"], r["client_ip"]) for r in trail} == {("cli:alice", "10.0.0.9")}


def test_an_import_updates_known_numbers_and_makes_missing_groups(store: Store) -> None:
    known = store.save_contact(_row("ICU", "旧名", "13800138000"), [], WHO)
    entries = [Entry("新名", "13800138000", "随访"), Entry("李四", "13900139000", "随访"),
               Entry("王五", "13700137000", "")]  # fmt: skip
    done = store.import_contacts("ICU", entries, WHO)
    assert (done.added, done.updated, done.unchanged, done.groups) == (2, 1, 0, 1)
    again = store.import_contacts("ICU", entries, WHO)
    assert (again.added, again.updated, again.unchanged, again.groups) == (0, 0, 3, 0)
    assert store.contact(known)["name"] == "新名"  # type: ignore[index]
    assert store.count_contacts(ContactFilter(dept_code="ICU")) == 3
    (group,) = store.contact_groups("ICU")
    assert (group["name"], group["members"]) == ("随访", 2)
    rows = store.all_contacts(ContactFilter(dept_code="ICU"), 10)
    shown = sorted((r["name"], r["groups"]) for r in rows)  # by name in the database's collation
    assert shown == sorted([("李四", ["随访"]), ("新名", ["随访"]), ("王五", [])])
    (audited, _) = store.audit_trail(AuditFilter(object="contact", action="import"))
    assert audited["name"] == "ICU" and '"unchanged": 3' in audited["after_json"]
