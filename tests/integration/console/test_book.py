"""The address book's pages in process (httpx) on every live database: contacts and groups,
search and paging, the department scope (also by URL), the auditor, an import with its
counts and left-out rows, the export, and sending to a group."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from openpyxl import load_workbook

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.engine.billing.accounts import Account
from hisms.engine.store.base import Store
from hisms.engine.store.bookstore import ContactFilter, Entry
from hisms.engine.store.policystore import AuditFilter, Who
from tests.integration.console.test_pages import PASSWORD, Client, Scenario, browse, login

__all__ = ["browse"]  # the fixture, shared with the other page tests


def _contact(store: Store, dept: str, name: str, number: str, group: int | None = None) -> int:
    row = {"id": None, "dept_code": dept, "name": name, "phone": number, "note": None}
    return store.save_contact(row, [group] if group else [], Who("test"))


def test_contacts_and_groups_are_added_searched_and_changed(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        wrong = {"name": "张三", "phone": "1380013", "csrf_token": token}
        refused = await client.post("/console/book", data=wrong)
        assert (
            refused.status_code == 400 and "手机号码“1380013”有误：号码不是 11 位" in refused.text
        )
        made = await client.post(
            "/console/book/groups", data={"name": "护士站", "csrf_token": token}
        )
        assert made.status_code == 303
        (group,) = store.contact_groups(None)
        for name, number in (("张三", "+86 138-0013-8000"), ("李四", "13900139000")):
            added = await client.post("/console/book", data={"name": name, "phone": number,
                                      "group_id": group["id"], "csrf_token": token})  # fmt: skip
            assert added.status_code == 303, added.text
        again = {"name": "张三丰", "phone": "13800138000", "csrf_token": token}
        assert "已在通讯录中（张三）" in (await client.post("/console/book", data=again)).text
        page = (await client.get("/console/book", params={"phone": "138 0013"})).text
        assert "张三" in page and "李四" not in page
        page = (await client.get("/console/book", params={"group_id": group["id"]})).text
        assert "张三" in page and "李四" in page and "护士站" in page
        renamed = {"name": "ICU 护士站", "csrf_token": token}
        await client.post(f"/console/book/groups/{group['id']}", data=renamed)
        (zhang,) = store.contacts(ContactFilter(name="张三"), 10)
        edit = {"name": "张三", "phone": "13800138001", "note": "夜班", "group_id": group["id"],
                "csrf_token": token}  # fmt: skip
        assert (await client.post(f"/console/book/{zhang['id']}", data=edit)).status_code == 303
        out = {"group_id": group["id"], "contact": [zhang["id"]], "action": "remove",
               "csrf_token": token}  # fmt: skip
        assert (await client.post("/console/book/members", data=out)).status_code == 303

    browse(scenario)
    (zhang,) = store.contacts(ContactFilter(phone="13800138001"), 10)
    assert (zhang["note"], zhang["groups"]) == ("夜班", [])
    assert store.group_phones(store.contact_groups(None)[0]["id"]) == ["13900139000"]
    assert store.contact_groups(None)[0]["name"] == "ICU 护士站"
    actions = {(r["object"], r["action"]) for r in store.audit_trail(AuditFilter(limit=50))}
    assert {("contact", "create"), ("contact", "update"), ("contact_group", "rename"),
            ("contact_group", "remove-members")} <= actions  # fmt: skip


def test_the_list_pages_and_exports_to_excel(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    store.import_contacts("ICU", [_entry(i) for i in range(120)], Who("test"))

    async def scenario(client: Client) -> None:
        await login(client, "admin")
        first = (await client.get("/console/book")).text
        assert "第 1 / 3 页" in first and "病人000" in first and "病人050" not in first
        third = (await client.get("/console/book", params={"page": "3"})).text
        assert "病人119" in third and "病人000" not in third
        exported = await client.get("/console/book.xlsx", params={"name": "病人11"})
        rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
        assert rows[0][:4] == ("姓名", "手机号码", "科室", "分组")
        assert [r[0] for r in rows[1:]] == [f"病人11{i}" for i in range(10)]
        assert rows[1][3] == "随访"

    browse(scenario)
    (audited,) = store.audit_trail(AuditFilter(object="contact", action="export"))
    assert audited["actor"] == "console:admin"


def _entry(i: int) -> Entry:
    return Entry(f"病人{i:03d}", f"1370000{i:04d}", "随访")


def test_a_department_user_sees_and_changes_its_department_only(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    lab_group = store.save_contact_group(None, "LAB", "检验科", Who("test"))
    lab = _contact(store, "LAB", "检验员", "13700137000", lab_group)
    mine = _contact(store, "ICU", "护士甲", "13600136000")

    async def scenario(client: Client) -> None:
        token = await login(client, "ward")
        for url in ("/console/book", "/console/book?dept_code=LAB"):
            page = (await client.get(url)).text
            assert "护士甲" in page and "检验员" not in page and "检验科" not in page, url
        assert (await client.get(f"/console/book/{lab}")).status_code == 403
        assert (await client.get(f"/console/book/{mine}")).status_code == 200
        forged = {"name": "改名", "phone": "13700137000", "csrf_token": token}
        assert (await client.post(f"/console/book/{lab}", data=forged)).status_code == 403
        assert (await client.post(f"/console/book/{lab}/delete", data=forged)).status_code == 403
        rename = {"name": "x", "csrf_token": token}
        assert (
            await client.post(f"/console/book/groups/{lab_group}", data=rename)
        ).status_code == 403
        join = {"group_id": lab_group, "contact": [mine], "csrf_token": token}
        assert (await client.post("/console/book/members", data=join)).status_code == 403
        exported = await client.get("/console/book.xlsx?dept_code=LAB")
        rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
        assert [r[0] for r in rows[1:]] == ["护士甲"]
        send = {"group_id": lab_group, "content": "通知", "csrf_token": token}
        assert (await client.post("/console/send/preview", data=send)).status_code == 403
        added = {"name": "护士乙", "phone": "13600136001", "dept_code": "LAB", "csrf_token": token}
        assert (await client.post("/console/book", data=added)).status_code == 303

    browse(scenario)
    (added,) = store.contacts(ContactFilter(name="护士乙"), 10)
    assert added["dept_code"] == "ICU"  # the form's department ignored
    assert store.contact(lab)["name"] == "检验员"  # type: ignore[index]


def test_an_auditor_reads_the_book_but_changes_nothing(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    Users(store, ConsoleConfig()).add("audit", PASSWORD, Role.AUDITOR, None, Who("test"))
    known = _contact(store, "ICU", "护士甲", "13600136000")

    async def scenario(client: Client) -> None:
        token = await login(client, "audit")
        page = await client.get("/console/book")
        assert page.status_code == 200 and "护士甲" in page.text and "添加联系人" not in page.text
        assert (await client.get(f"/console/book/{known}")).status_code == 200
        added = {"name": "x", "phone": "13600136001", "csrf_token": token}
        assert (await client.post("/console/book", data=added)).status_code == 403
        assert (await client.get("/console/book/import")).status_code == 403

    browse(scenario)
    assert store.count_contacts(ContactFilter()) == 1


def test_an_import_de_duplicates_and_names_each_row_it_leaves_out(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    _contact(store, "ICU", "旧名字", "13800138000")
    lines = ["姓名,手机号码,分组", "张三,13800138000,随访", "李四,13900139000,随访",
             "王五,12345,随访", "赵六,13900139000,", ",13700137000,",
             "钱七,+86 137 0013 7001,"]  # fmt: skip
    data = "\n".join(lines).encode("gb18030")

    async def scenario(client: Client) -> None:
        token = await login(client, "ward")
        files = {"file": ("通讯录.csv", data, "text/csv")}
        done = await client.post("/console/book/import", data={"csrf_token": token},
                                 files=files, follow_redirects=True)  # fmt: skip
        page = done.text
        counts = dict(re.findall(r'<td id="([\w-]+)">(\d+)</td>', page))
        assert counts == {"added": "2", "updated": "1", "unchanged": "0", "duplicates": "1",
                          "refused": "2", "groups-made": "1"}, counts  # fmt: skip
        assert "号码不是 11 位" in page and "姓名为空" in page
        link = re.search(r'href="(/console/book/import/\w+/errors.csv)"', page)
        assert link is not None
        left = (await client.get(link[1])).content.decode("utf-8-sig").splitlines()
        assert left[1:] == ["4,王五,12345,号码不是 11 位", "5,赵六,13900139000,与第 3 行号码重复",
                            "6,,13700137000,姓名为空"]  # fmt: skip
        broken = {"file": ("通讯录.xlsx", b"not a workbook", "application/octet-stream")}
        refused = await client.post("/console/book/import", data={"csrf_token": token},
                                    files=broken)  # fmt: skip
        assert refused.status_code == 400 and "不是有效的 Excel" in refused.text
        await client.post("/console/logout", data={"csrf_token": token})
        await login(client, "admin")
        assert (await client.get(link[1])).status_code == 403  # another user's import

    browse(scenario)
    assert store.count_contacts(ContactFilter(dept_code="ICU")) == 3
    (updated,) = store.contacts(ContactFilter(phone="13800138000"), 10)
    assert (updated["name"], updated["groups"]) == ("张三", ["随访"])


def test_a_group_is_sent_to_as_typed_numbers_are(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    group = store.save_contact_group(None, "ICU", "家属", Who("test"))
    store.put_policy("account", Account(account="ICU_A", dept_code="ICU").row(), Who("test"))
    for i in range(3):
        _contact(store, "ICU", f"家属{i}", f"1350013500{i}", group)

    async def scenario(client: Client) -> None:
        token = await login(client, "ward")
        form = {"group_id": str(group), "phones": "13500135000\n13600136000",
                "content": "探视时间调整", "account": "ICU_A", "csrf_token": token}  # fmt: skip
        preview = (await client.post("/console/send/preview", data=form)).text
        assert re.search(r'<b id="numbers">4</b> 个（含分组“家属”的 2 个）', preview), preview
        sent = await client.post("/console/send", data=form)
        assert sent.status_code == 303 and "batch_id=" in sent.headers["location"]
        empty = store.save_contact_group(None, "ICU", "空组", Who("test"))
        nobody = await client.post("/console/send", data={**form, "phones": "",
                                   "group_id": str(empty)})  # fmt: skip
        assert nobody.status_code == 400 and "分组“空组”没有联系人" in nobody.text

    browse(scenario)
    with store.transaction() as tx:
        rows = tx.run("console_messages", phone=None, status=None, source_system=None,
                      batch_id=None, channel=None, dept_code="ICU", account=None, scope=None,
                      since=None, until=None, before_id=None, limit=10)  # fmt: skip
    assert sorted(r["phone"] for r in rows) == ["13500135000", "13500135001", "13500135002",
                                                "13600136000"]  # fmt: skip
