"""The console's send preview with its cost, the bulk upload's summary, the resend of a
failed message through a chosen channel and the day chart, in process (httpx) on every live
database (the pattern of test_pages.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette

from hisms.adapters.console.app import mount
from hisms.adapters.console.sampler import Reading, Sampler
from hisms.adapters.console.users import Role, Users
from hisms.adapters.his import Profiles
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.config import (
    BillingConfig,
    ChannelConfig,
    DatabaseConfig,
    EngineConfig,
    Settings,
    ValidationConfig,
)
from hisms.engine.status import Status
from hisms.engine.store.base import BULK, NewMessage, Store
from hisms.engine.store.policystore import AuditFilter, Who
from hisms.engine.worker import Engine
from tests.integration.console.test_pages import PASSWORD, Client, Scenario, login
from tests.waiting import until

FAILING = "13800138044"  # the main channel's reports for it say UNDELIV


@pytest.fixture
def browse(store: Store) -> Callable[[Scenario], None]:
    """The console with ``ward`` the default account (0.05 a segment, unicom 0.04, 3 a day)."""
    settings = Settings(billing=BillingConfig(default_account="ward"))
    Users(store, settings.console).add("admin", PASSWORD, Role.ADMIN, None, Who("test"))
    account = Account(account="ward", name="住院部", price=Decimal("0.05"),
                      prices={"unicom": Decimal("0.04")}, daily_quota=3)  # fmt: skip
    store.put_policy("account", account.row(), Who("test"))
    app = Starlette(routes=[mount(store, settings, Sampler(lambda: Reading(0.0), 60))])

    async def run(scenario: Scenario) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            await scenario(c)

    return lambda scenario: asyncio.run(run(scenario))


def test_the_preview_shows_the_account_segments_cost_and_a_quota_warning(
    browse: Callable[[Scenario], None],
) -> None:
    form = {"phones": "13800138000\n13012345678", "content": "复诊提醒", "signature": "测试医院"}

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        html = (await client.post("/console/send/preview", data={**form, "csrf_token": token})).text
        assert 'id="cost-account">ward<' in html and "住院部" in html
        assert 'id="cost-segments">2<' in html and 'id="cost-amount">0.09<' in html
        assert "联通" in html and "0.04" in html  # per operator: the account has such prices
        assert "今日配额 3 条" in html and "在配额内" in html
        assert "【测试医院】复诊提醒" in html and "引擎将拒绝" not in html
        unsigned = {**form, "signature": "", "csrf_token": token}
        html = (await client.post("/console/send/preview", data=unsigned)).text
        assert "引擎将拒绝" in html and "SIGNATURE_MISSING" in html  # no default signature here
        many = {**form, "phones": "13800138000\n13900139000\n13700137000\n13600136000"}
        html = (await client.post("/console/send/preview", data={**many, "csrf_token": token})).text
        assert "超出 1 条" in html and "暂缓发送" in html  # a warning; sending stays possible
        html = (await client.post("/console/send/upload/preview",
                                  data={**form, "csrf_token": token})).text  # fmt: skip
        assert "每个号码 <b>1</b> 条" in html and "联通 <b>0.04</b>" in html

    browse(scenario)


def test_the_upload_summary_prices_the_numbers_read(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    csv = "手机号码\n13800138000\n13012345678\n13012345678\nnot-a-number\n".encode()

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        answer = await client.post(
            "/console/send/upload",
            data={"content": "体检通知", "signature": "测试医院", "csrf_token": token},
            files={"file": ("numbers.csv", csv, "text/csv")},
        )
        assert answer.status_code == 303, answer.text
        job = answer.headers["location"]

        async def done() -> bool:
            page = await client.get(job, headers={"hx-request": "true"})
            return page.status_code == 286

        await until(done, 30, "the upload done")
        html = (await client.get(job)).text
        assert 'id="cost-messages">2<' in html and 'id="cost-amount">0.09<' in html

    browse(scenario)


def _engine(store: Store, url: str) -> Engine:
    settings = Settings(
        database=DatabaseConfig(url=url),
        engine=EngineConfig(
            worker_id="t", poll_min_seconds=0.01, poll_max_seconds=0.1, writeback_every_seconds=0.05
        ),
        validation=ValidationConfig(default_signature="测试医院"),
        channels=[
            ChannelConfig(name="main", protocol="loopback"),
            ChannelConfig(name="spare", protocol="loopback"),
        ],
    )
    carriers = {"main": LoopbackCarrier("main", report_delay=0.01, fail_suffixes=["44"]),
                "spare": LoopbackCarrier("spare", report_delay=0.01)}  # fmt: skip
    return Engine(settings, store, dict(carriers))


def _fail_one(store: Store, url: str) -> int:
    """A message FAILED on channel main (routing's choice), the engines' channel states saved."""
    (failed,) = store.enqueue([NewMessage(FAILING, "复诊提醒", "HIS")], "t")

    async def scenario() -> None:
        engine = _engine(store, url)
        task = asyncio.create_task(engine.run())
        try:

            def final() -> bool:
                row = store.get_message(failed)
                return row is not None and row["status"] == Status.FAILED

            await until(lambda: asyncio.to_thread(final), 30, "the message failed")
        finally:
            engine.stop()
            await task

    asyncio.run(scenario())
    return failed


def test_a_failed_message_is_resent_through_the_chosen_channel_pinned_and_audited(
    store: Store, db_url: str, browse: Callable[[Scenario], None]
) -> None:
    failed = _fail_one(store, db_url)
    page = f"/console/messages/{failed}"
    new_ids: list[int] = []

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        html = (await client.get(page)).text
        assert '<option value="spare">' in html and '<option value="main">' not in html
        assert "由路由决定（优先 main 以外的通道）" in html
        for refused in ("main", "nowhere"):
            answer = await client.post(f"{page}/resend", data={"channel": refused,
                                                              "csrf_token": token})  # fmt: skip
            assert answer.status_code == 400 and "不可选" in answer.text
        answer = await client.post(f"{page}/resend", data={"channel": "spare",
                                                          "csrf_token": token})  # fmt: skip
        assert answer.status_code == 303
        new_ids.append(int(answer.headers["location"].rsplit("/", 1)[1]))
        assert "指定通道 spare" in (await client.get(answer.headers["location"])).text
        assert "指定通道" not in (await client.get(page)).text

    browse(scenario)
    (claimed,) = store.claim("t", BULK, 10, 30)  # only the new message is PENDING
    assert (claimed.id, claimed.pinned_channel, claimed.resend_from) == (
        new_ids[0],
        "spare",
        "main",
    )
    (audited,) = store.audit_trail(AuditFilter(object="message", action="resend"))
    assert audited["name"] == str(failed) and "spare" in audited["after_json"]


def test_the_day_chart_counts_the_rolled_up_hours(
    store: Store, db_url: str, browse: Callable[[Scenario], None]
) -> None:
    _fail_one(store, db_url)
    (ok,) = store.enqueue([NewMessage("13800138000", "复诊提醒", "HIS")], "t")
    store.cancel(ok, "t", "voided")
    store.roll_up_step(100, ZoneInfo("Asia/Shanghai"), Owners(Profiles({}), {}).of)

    async def scenario(client: Client) -> None:
        await login(client, "admin")
        times, delivered, failed, other = (await client.get("/console/dashboard/day")).json()
        assert len(times) == 24 and times == sorted(times)
        assert (sum(delivered), sum(failed), sum(other)) == (0, 1, 1)
        assert failed[-1] == 1 or failed[-2] == 1  # this hour (or the last, at a turn of hour)

    browse(scenario)
