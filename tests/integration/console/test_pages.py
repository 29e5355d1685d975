"""The console's pages in process (httpx) on every live database: the department scope of
the searches and the export, time filters, CSRF, audited changes."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

from hisms.adapters.console.app import mount
from hisms.adapters.console.sampler import Sampler
from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.carrier.base import utcnow
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.policystore import AuditFilter, Who
from hisms.monitoring.top import Scrape

PASSWORD = "Pages-test-1"


Client = httpx.AsyncClient
Scenario = Callable[[Client], Awaitable[None]]


@pytest.fixture
def browse(store: Store) -> Callable[[Scenario], None]:
    """Run a scenario against the console in process (httpx over ASGI, cookies kept)."""
    cfg = ConsoleConfig()
    people = Users(store, cfg)
    people.add("admin", PASSWORD, Role.ADMIN, None, Who("test"))
    people.add("ward", PASSWORD, Role.DEPT, "ICU", Who("test"))
    sampler = Sampler(lambda: Scrape(0.0), 60)
    app = Starlette(routes=[mount(store, cfg, "Asia/Shanghai", sampler)])

    async def run(scenario: Scenario) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            await scenario(c)

    return lambda scenario: asyncio.run(run(scenario))


async def login(client: Client, user: str) -> str:
    """Log in; the session's CSRF token."""
    token = _token((await client.get("/console/login")).text)
    answer = await client.post(
        "/console/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return _token((await client.get("/console/messages")).text)


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"', html)
    assert found, html[:500]
    return found[1] or found[2]


def test_a_department_user_searches_and_exports_its_department_only(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    icu, lab = store.enqueue(
        [
            NewMessage("13800138000", "ICU 探视通知", dept_code="ICU"),
            NewMessage("13900139000", "检验科通知", dept_code="LAB"),
        ],
        actor="test",
    )

    async def scenario(client: Client) -> None:
        await login(client, "ward")
        for url in ("/console/messages", "/console/messages?dept_code=LAB"):
            page = (await client.get(url)).text
            assert "ICU 探视通知" in page and "检验科通知" not in page, url
        assert (await client.get(f"/console/messages/{lab}")).status_code == 403
        assert (await client.get(f"/console/messages/{icu}")).status_code == 200
        exported = await client.get("/console/messages.xlsx?dept_code=LAB")
        sheet = load_workbook(io.BytesIO(exported.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert [r[:3] for r in rows[1:]] == [(icu, "13800138000", "ICU 探视通知")]
        assert (await client.get("/console/replies")).status_code == 200

    browse(scenario)
    (audited,) = store.audit_trail(AuditFilter(action="export"))
    assert audited["actor"] == "console:ward"


def test_the_search_filters_by_status_time_and_number(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    (sent,) = store.enqueue([NewMessage("13800138000", "复诊提醒")], actor="test")
    local = (utcnow() + timedelta(hours=8)).replace(tzinfo=None)  # Asia/Shanghai, as typed
    since = (local - timedelta(minutes=5)).isoformat(timespec="minutes")
    until = (local + timedelta(minutes=5)).isoformat(timespec="minutes")
    link = f"/console/messages/{sent}"

    async def scenario(client: Client) -> None:
        await login(client, "admin")
        given = {"phone": "+86 138-0013-8000", "status": "0", "since": since, "until": until}
        assert link in (await client.get("/console/messages", params=given)).text
        for params in ({"status": "3"}, {"since": until}, {"phone": "13900139000"}):
            assert link not in (await client.get("/console/messages", params=params)).text

    browse(scenario)


def test_changes_need_the_csrf_token_and_are_audited(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    row = {"code": "APPT", "body": "您预约的{dept}门诊在{time}", "state": "APPROVED"}

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        assert (await client.post("/console/templates", data=row)).status_code == 403
        assert store.policy_row("template", "APPT") is None
        done = await client.post("/console/templates", data={**row, "csrf_token": token})
        assert done.status_code == 303

    browse(scenario)
    assert store.policy_row("template", "APPT")["state"] == "APPROVED"  # type: ignore[index]
    (audited,) = store.audit_trail(AuditFilter(object="template"))
    assert (audited["actor"], audited["caller"]) == ("console:admin", "console")
    assert audited["client_ip"] == "127.0.0.1"
