"""The accounts, reports and bills pages in process (httpx) on every live database, and the
department scope by accounts: what a department user sends with and sees."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

from hisms.adapters.console.app import mount
from hisms.adapters.console.sampler import Reading, Sampler
from hisms.adapters.console.users import Role, Users
from hisms.engine.billing.accounts import Account
from hisms.engine.config import Settings
from hisms.engine.reports import sheets
from hisms.engine.store.accountstore import Charge, Limit
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.policystore import AuditFilter, Who

PASSWORD = "Accounts-test-1"
Client = httpx.AsyncClient
Scenario = Callable[[Client], Awaitable[None]]
ACCOUNTS = [
    Account(account="ICU_A", name="重症病区", dept_code="ICU", daily_quota=100),
    Account(account="ICU_OFF", dept_code="ICU", enabled=False),
    Account(account="LAB_A", dept_code="LAB"),
]


@pytest.fixture
def browse(store: Store) -> Callable[[Scenario], None]:
    settings = Settings()
    people = Users(store, settings.console)
    for name, role, dept in (("admin", Role.ADMIN, None), ("op", Role.OPERATOR, None),
                             ("ward", Role.DEPT, "ICU")):  # fmt: skip
        people.add(name, PASSWORD, role, dept, Who("test"))
    for account in ACCOUNTS:
        store.put_policy("account", account.row(), Who("test"))
    app = Starlette(routes=[mount(store, settings, Sampler(lambda: Reading(0.0), 60))])

    async def run(scenario: Scenario) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            await scenario(c)

    return lambda scenario: asyncio.run(run(scenario))


async def login(client: Client, user: str) -> str:
    """Log in; the session's CSRF token."""
    page = (await client.get("/console/login")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    form = {"username": user, "password": PASSWORD, "csrf_token": token[1]}
    assert (await client.post("/console/login", data=form)).status_code == 303
    found = re.search(r'"X-CSRF-Token": "([^"]+)"', (await client.get("/console/")).text)
    assert found
    return found[1]


def _local_today() -> datetime:
    return datetime.now(ZoneInfo("Asia/Shanghai"))


def test_an_administrator_creates_changes_and_deletes_an_account(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    (sent,) = store.enqueue([NewMessage("13800138000", "x", account="ICU_A")], actor="test")
    today = _local_today().date()
    limits = (Limit("D", today, 100), Limit("M", today.replace(day=1), 1000))
    assert store.charge([Charge(sent, "ICU_A", 3, limits)]) == {sent}
    form = {"account": "WARD_3", "name": "心内科病区", "dept_code": "D_CARDIO", "price": "0.05",
            "price_unicom": "0.045", "daily_quota": "2000", "monthly_quota": "40000",
            "over_quota": "REJECT", "enabled": "1", "signature": "【心内科】"}  # fmt: skip

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        listed = (await client.get("/console/accounts")).text
        assert "重症病区" in listed and "3</span> / 100" in listed  # today's usage
        saved = await client.post("/console/accounts", data={**form, "csrf_token": token})
        assert saved.status_code == 303
        edit = (await client.get("/console/accounts?edit=WARD_3")).text
        assert 'value="0.045"' in edit and 'value="40000"' in edit and 'value="心内科"' in edit
        signed = store.policy_row("account_signature", "WARD_3")
        assert signed == {"account": "WARD_3", "signature": "心内科"}
        changed = {**form, "daily_quota": "", "enabled": "0", "signature": "", "csrf_token": token}
        assert (await client.post("/console/accounts", data=changed)).status_code == 303
        stored = Account.of_row(store.policy_row("account", "WARD_3") or {})
        assert (stored.daily_quota, stored.monthly_quota, stored.enabled) == (None, 40000, False)
        assert str(stored.prices["unicom"]) == "0.045" and stored.over_quota == "REJECT"
        assert store.policy_row("account_signature", "WARD_3") is None  # emptied: removed
        gone = await client.post("/console/accounts/WARD_3/delete", data={"csrf_token": token})
        assert gone.status_code == 303

    browse(scenario)
    assert store.policy_row("account", "WARD_3") is None
    trail = store.audit_trail(AuditFilter(object="account", actor="console:admin"))
    assert sorted(r["action"] for r in trail) == ["create", "delete", "update"]


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("account", "", "账户编号"),
        ("account", "WARD 3", "账户编号：不能含空格"),
        ("price", "abc", "单价“abc”不是数字"),
        ("price", "-1", "单价不能为负数"),
        ("price", "0.00001", "单价：最多 4 位小数"),
        ("price_unicom", "x", "联通单价"),
        ("daily_quota", "-5", "日配额应为不小于 0 的整数"),
        ("monthly_quota", "1.5", "月配额应为不小于 0 的整数"),
        ("over_quota", "DROP", "超额处理"),
        ("dept_code", "D" * 40, "科室：最多 32 个字符"),
        ("signature", "医" * 17, "签名：最多 16 个字符"),
    ],
)
def test_a_wrong_account_field_is_refused_naming_it(
    store: Store, browse: Callable[[Scenario], None], field: str, value: str, why: str
) -> None:
    form = {"account": "WARD_9", "price": "0.05", "daily_quota": "10", field: value}

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        refused = await client.post("/console/accounts", data={**form, "csrf_token": token})
        assert refused.status_code == 400 and why in refused.text, refused.text[-2000:]
        if value and field != "over_quota":  # what was typed stays (a select cannot)
            assert f'value="{value}"' in refused.text

    browse(scenario)
    assert store.policy_row("account", "WARD_9") is None


def test_operators_read_accounts_and_a_department_user_sees_its_own(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "op")
        page = (await client.get("/console/accounts")).text
        assert "LAB_A" in page and 'id="account-form"' not in page
        form = {"account": "X1", "csrf_token": token}
        assert (await client.post("/console/accounts", data=form)).status_code == 403
        assert (await client.post("/console/accounts/LAB_A/delete", data=form)).status_code == 403
        client.cookies.clear()
        await login(client, "ward")
        page = (await client.get("/console/accounts")).text
        assert "ICU_A" in page and "ICU_OFF" in page and "LAB_A" not in page

    browse(scenario)
    assert store.policy_row("account", "X1") is None
    assert store.policy_row("account", "LAB_A") is not None


def test_a_department_user_sends_only_with_its_accounts(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "ward")
        form = (await client.get("/console/send")).text
        assert 'value="ICU_A"' in form
        assert 'value="LAB_A"' not in form and 'value="ICU_OFF"' not in form  # disabled
        message = {"phones": "13800138000", "content": "探视通知", "csrf_token": token}
        for account, why in (("LAB_A", "不是可用的计费账户"), ("ICU_OFF", "不是可用的计费账户"),
                             ("", "请选择计费账户")):  # fmt: skip
            refused = await client.post("/console/send", data={**message, "account": account})
            assert refused.status_code == 400 and why in refused.text, account
        upload = {**message, "account": "LAB_A"}
        files = {"file": ("n.csv", b"13800138001\n", "text/csv")}
        refused = await client.post("/console/send/upload", data=upload, files=files)
        assert refused.status_code == 400 and "不是可用的计费账户" in refused.text
        sent = await client.post("/console/send", data={**message, "account": "ICU_A"})
        assert sent.status_code == 303

    browse(scenario)
    with store.transaction() as tx:
        rows = tx.run("console_messages", **_any(limit=10))
    assert [(r["account"], r["dept_code"]) for r in rows] == [("ICU_A", "ICU")]


def _any(**given: object) -> dict[str, object]:
    keys = ("phone", "status", "source_system", "batch_id", "channel", "dept_code", "account",
            "scope", "since", "until", "before_id")  # fmt: skip
    return {**dict.fromkeys(keys), **given}


def test_a_department_user_sees_its_accounts_messages_and_its_departments(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    by_account, by_dept, other = store.enqueue(
        [
            NewMessage("13800138001", "ICU 账户的短信", account="ICU_A", dept_code="LAB"),
            NewMessage("13800138002", "ICU 科室的短信", account="LAB_A", dept_code="ICU"),
            NewMessage("13800138003", "检验科的短信", account="LAB_A", dept_code="LAB"),
        ],
        actor="test",
    )

    async def scenario(client: Client) -> None:
        await login(client, "ward")
        for url in ("/console/messages", "/console/messages?dept_code=LAB&account=LAB_A"):
            page = (await client.get(url)).text
            assert "检验科的短信" not in page, url
        page = (await client.get("/console/messages")).text
        assert "ICU 账户的短信" in page and "ICU 科室的短信" in page
        assert (await client.get(f"/console/messages/{other}")).status_code == 403
        for mine in (by_account, by_dept):
            assert (await client.get(f"/console/messages/{mine}")).status_code == 200
        book = await client.get("/console/messages.xlsx")
        ids = [r[0] for r in load_workbook(io.BytesIO(book.content)).active.iter_rows(min_row=2)]
        assert sorted(c.value for c in ids) == [by_account, by_dept]

    browse(scenario)


def test_reports_and_bills_in_the_scope_with_their_workbooks(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    icu, _, lab = store.enqueue(
        [
            NewMessage("13800138001", "a", account="ICU_A", dept_code="ICU"),
            NewMessage("13800138002", "b", account="ICU_A", dept_code="ICU"),
            NewMessage("13800138003", "c", account="LAB_A", dept_code="LAB"),
        ],
        actor="test",
    )
    for final in (icu, lab):  # one of each in the rollup, the others still in flight
        store.cancel(final, "test", "rolled up")
    owner = sheets.owners(Settings(), store).of
    assert store.roll_up_step(100, ZoneInfo("Asia/Shanghai"), owner) == 2
    month = _local_today().strftime("%Y-%m")

    async def scenario(client: Client) -> None:
        await login(client, "ward")
        page = await client.get("/console/reports?kind=user&period=month")
        assert page.status_code == 200 and "用户发送统计" in page.text
        assert "ICU_A" in page.text and "LAB_A" not in page.text
        for kind in ("business", "mo", "interface", "summary"):
            shown = await client.get(f"/console/reports?kind={kind}&period=week")
            assert shown.status_code == 200, kind
            assert ("该时段没有数据" in shown.text) == (kind == "mo"), kind  # no replies
        assert (await client.get("/console/reports?account=LAB_A")).status_code == 403
        assert (await client.get("/console/reports.xlsx?account=LAB_A")).status_code == 403
        book = await client.get("/console/reports.xlsx?kind=user&period=month")
        rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
        assert [r[1:3] for r in rows[1:]] == [("ICU_A", 2), ("", 2)]  # the account, the total
        cancelled = rows[0].index("Cancelled 取消")
        assert rows[1][cancelled] == 1  # from the rollup, by the department's accounts
        bills = await client.get(f"/console/bills?account=ICU_A&month={month}")
        assert bills.status_code == 200 and "对账单" in bills.text and "消费明细" in bills.text
        assert (await client.get("/console/bills?account=LAB_A")).status_code == 403
        statement = await client.get(f"/console/bills/statement.xlsx?account=ICU_A&month={month}")
        names = load_workbook(io.BytesIO(statement.content)).sheetnames
        assert len(names) == 2 and names[0].startswith("Statement")

    browse(scenario)
    trail = store.audit_trail(AuditFilter(action="export", actor="console:ward"))
    assert sorted((r["object"], r["name"]) for r in trail) == [
        ("bill", "statement"),
        ("report", "user"),
    ]


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("from=2026-13-01", "起始日期“2026-13-01”应为日期"),
        ("from=2026-11-10&to=2026-11-01", "截止日期早于起始日期"),
        ("from=2025-01-01&to=2026-11-01", "最多 400 天"),
        ("kind=mo&by=operator", "该报表只能按业务系统、通道分组"),
        ("kind=nope", "报表类型“nope”不存在"),
        ("period=year", "统计周期只能是日、周或月"),
    ],
)
def test_a_wrong_report_form_is_refused_naming_the_field(
    browse: Callable[[Scenario], None], query: str, why: str
) -> None:
    async def scenario(client: Client) -> None:
        await login(client, "admin")
        refused = await client.get(f"/console/reports?{query}")
        assert refused.status_code == 400 and why in refused.text
        assert (await client.get(f"/console/reports.xlsx?{query}")).status_code == 400
        bad_month = await client.get("/console/bills?month=2026-13")
        assert bad_month.status_code == 400 and "月份“2026-13”应写作 2026-11" in bad_month.text

    browse(scenario)
