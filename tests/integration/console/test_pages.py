"""The console's pages in process (httpx) on every live database: the department scope of
the searches and the export, time filters, CSRF, audited changes."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import timedelta

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette

from hisms.adapters.console.app import mount
from hisms.adapters.console.sampler import Reading, Sampler
from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.carrier.base import utcnow
from hisms.engine.config import Settings
from hisms.engine.store.base import NewMessage, Store
from hisms.engine.store.policystore import AuditFilter, Who

PASSWORD = "Pages-test-1"


Client = httpx.AsyncClient
Scenario = Callable[[Client], Awaitable[None]]


@pytest.fixture
def browse(store: Store) -> Callable[[Scenario], None]:
    """Run a scenario against the console in process (httpx over ASGI, cookies kept)."""
    settings = Settings()
    people = Users(store, settings.console)
    people.add("admin", PASSWORD, Role.ADMIN, None, Who("test"))
    people.add("ward", PASSWORD, Role.DEPT, "ICU", Who("test"))
    sampler = Sampler(lambda: Reading(0.0), 60)
    app = Starlette(routes=[mount(store, settings, sampler)])

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


def test_an_expired_password_must_be_changed_before_anything_else(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    user = Users(store, ConsoleConfig()).get("admin")
    assert user is not None
    old = replace(user, password_changed_at=utcnow() - timedelta(days=91))
    with store.transaction() as tx:
        tx.changed("update_user", actor="test", **asdict(old))

    async def scenario(client: Client) -> None:
        token = _token((await client.get("/console/login")).text)
        form = {"username": "admin", "password": PASSWORD, "csrf_token": token}
        answer = await client.post("/console/login", data=form)
        assert answer.headers["location"] == "/console/password"
        held = await client.get("/console/messages")
        assert (held.status_code, held.headers["location"]) == (303, "/console/password")
        page = await client.get("/console/password")
        assert "密码已过期" in page.text
        token = _token(page.text)
        change = {"old": PASSWORD, "new": "Fresh-pass-91", "again": "Fresh-pass-91"}
        done = await client.post("/console/password", data={**change, "csrf_token": token})
        assert done.headers["location"] == "/console/"
        assert (await client.get("/console/messages")).status_code == 200

    browse(scenario)


def test_an_alarm_rule_is_changed_as_hisms_alarm_set_does(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        page = await client.get("/console/alarms")
        assert "backlog_above=50000" in page.text
        change = {"enabled": "1", "values": "backlog_above=2000", "repeat_seconds": "600"}
        done = await client.post("/console/alarms/backlog", data={**change, "csrf_token": token})
        assert done.status_code == 303
        wrong = {**change, "values": "backlog_above=-5", "csrf_token": token}
        refused = await client.post("/console/alarms/backlog", data=wrong)
        assert refused.status_code == 400 and "backlog_above" in refused.text

    browse(scenario)
    (row,) = [r for r in store.alarm_rules() if r["name"] == "backlog"]
    assert (row["enabled"], row["repeat_seconds"]) == (1, 600)
    assert '"backlog_above": 2000' in row["thresholds"]


def test_the_session_cookie_is_http_only_and_same_site(browse: Callable[[Scenario], None]) -> None:
    async def scenario(client: Client) -> None:
        cookie = (await client.get("/console/login")).headers["set-cookie"].lower()
        assert cookie.startswith("hisms_console=")
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "secure" not in cookie  # without TLS; [console] secure_cookies adds it
        anonymous = await client.get("/console/messages")
        assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/console/login")

    browse(scenario)


def test_the_profiles_page_shows_the_templates_a_source_may_use_and_keeps_them(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    from hisms.adapters.his import SourceProfile

    store.put_policy("profile", SourceProfile(templates=("FZ", "YY")).row("APPT"), Who("test"))

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        page = (await client.get("/console/profiles")).text
        assert "可用模板" in page and "<td>FZ,YY</td>" in page
        form = {"csrf_token": token, "source_system": "APPT", "signature": "市一院"}
        assert (await client.post("/console/profiles", data=form)).status_code == 303

    browse(scenario)
    row = store.policy_row("profile", "APPT")
    assert row is not None and (row["signature"], row["templates"]) == ("市一院", "FZ,YY")
