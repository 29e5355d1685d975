"""Issue 19's send preview with its cost, the resend through another channel and the day
chart, in Debian's Chromium (Playwright) against a real ``hisms run`` with two loopback
channels: ``main`` (routing's choice; its reports fail numbers ending in 44) and ``spare``.
Screenshots in tests/artifacts/console/ (look at them)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.engine.billing.accounts import Account
from hisms.engine.store import open_store
from hisms.engine.store.policystore import Who
from tests.acceptance.conftest import hisms
from tests.integration.console.served import free_port, serving
from tests.integration.console.test_browser import ARTIFACTS, CHROMIUM, PASSWORD, login, shot

pytestmark = pytest.mark.xdist_group("console-browser-send")
CONFIG = """[database]
url = "{url}"
[engine]
poll_min_seconds = 0.02
poll_max_seconds = 0.2
writeback_every_seconds = 0.05
[validation]
default_signature = "测试医院"
[billing]
default_account = "ward"
rollup_every_seconds = 0.5
[monitoring]
enabled = true
port = {port}
[console]
enabled = true
refresh_seconds = 2
sample_seconds = 1
[[channels]]
name = "main"
protocol = "loopback"
report_delay = 0.05
fail_suffixes = ["44"]
[[channels]]
name = "spare"
protocol = "loopback"
report_delay = 0.05
"""


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``hisms run`` with the console, account ``ward`` (0.05 a segment, unicom 0.04, 100 a
    day) charged for everything; its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium (make test does)")
    folder = tmp_path_factory.mktemp("console-send")
    port, url = free_port(), f"sqlite:///{folder / 'h.db'}"
    config = folder / "hisms.toml"
    config.write_text(CONFIG.format(url=url, port=port), "utf-8")
    hisms("db", "init", config=config)
    store = open_store(url)
    Users(store, ConsoleConfig()).add("admin", PASSWORD, Role.ADMIN, None, Who("test"))
    ward = Account(account="ward", name="住院部", price=Decimal("0.05"),
                   prices={"unicom": Decimal("0.04")}, daily_quota=100)  # fmt: skip
    store.put_policy("account", ward.row(), Who("test"))
    store.close()
    with serving(config, port, "run") as base:
        yield base


@pytest.fixture(scope="module")
def page(console: str) -> Iterator[Page]:
    """One logged-in page for the module's tests (on each worker that runs some)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser: Browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        context.set_default_timeout(10_000)
        page = context.new_page()
        login(page, console, "admin")
        page.wait_for_url(re.compile(r"/console/$"))
        yield page
        browser.close()


def test_the_preview_shows_the_cost(console: str, page: Page) -> None:
    page.goto(f"{console}/send")
    page.fill("#phones", "13800138000\n13012345678\n18912345678")
    page.fill("#content", "您的复诊时间为明天上午九点，请携带就诊卡。")
    page.click("text=预览")
    expect(page.locator("#cost-amount")).to_have_text("0.14")  # 0.05 + 0.04 + 0.05
    expect(page.locator("#cost-account")).to_have_text("ward")
    expect(page.locator("#cost-segments")).to_have_text("3")
    expect(page.locator("#preview")).to_contain_text("在配额内")
    shot(page, "send-preview-cost")
    page.goto(f"{console}/send/upload")
    page.fill("#content", "体检报告已出，请登录公众号查看。")
    page.click("text=预览")
    expect(page.locator("#preview")).to_contain_text("联通 0.04")
    shot(page, "upload-preview-cost")
    numbers = b"13800138000\n13012345678\n18912345678\n13012345678\n"
    page.set_input_files("#file", files=[{"name": "n.csv", "mimeType": "text/csv",
                                          "buffer": numbers}])  # fmt: skip
    page.click("#upload-button")
    expect(page.locator("#upload-state")).to_contain_text("完成")
    expect(page.locator("#cost-amount")).to_have_text("0.14")  # the duplicate is not sent
    shot(page, "upload-done-cost")


def test_a_failed_message_resent_through_the_other_channel_is_delivered(
    console: str, page: Page
) -> None:
    page.goto(f"{console}/send")
    page.fill("#phones", "13800138044")
    page.fill("#content", "检验结果已出，请到门诊查看。")
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/messages/\d+$"))
    failed = page.url
    _until_status(page, "失败")
    expect(page.locator("dd", has_text="main")).to_have_count(1)
    page.select_option("#channel", "spare")
    shot(page, "message-failed-resend")
    page.click("#resend-button")
    page.wait_for_url(re.compile(r"/messages/\d+$"))
    assert page.url != failed
    _until_status(page, "已送达")
    expect(page.locator("#pinned")).to_have_text("指定通道 spare")
    assert page.inner_text("dl.fields").count("spare") == 2  # went through it, pinned to it
    shot(page, "message-resent-delivered")


def test_the_day_chart_draws(console: str, page: Page) -> None:
    # Its own messages (pytest-xdist may run this test on a worker of its own): one that
    # fails on main, one delivered.
    page.goto(f"{console}/send")
    page.fill("#phones", "13800138044\n13800138000")
    page.fill("#content", "明日门诊停诊一天。")
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/messages\?batch_id="))
    chart = page.locator("#day-chart")
    deadline = time.monotonic() + 60  # ends as soon as the figures are there
    while True:  # the rollup counts final messages every 0.5 s; the chart reads it every 5 s
        page.goto(f"{console}/")
        expect(chart).to_have_attribute("data-drawn", "24")
        delivered, failed, _ = (int(n) for n in str(chart.get_attribute("data-totals")).split(","))
        if delivered >= 1 and failed >= 1:
            break
        assert time.monotonic() < deadline, chart.get_attribute("data-totals")
        page.wait_for_timeout(1000)
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart.locator(".u-legend")).to_contain_text("已送达")
    expect(chart.locator(".u-legend")).to_contain_text("失败")
    shot(page, "dashboard-day")


def _until_status(page: Page, name: str) -> None:
    deadline = time.monotonic() + 20
    while page.inner_text("#status") != name:
        assert time.monotonic() < deadline, f"still {page.inner_text('#status')}, not {name}"
        page.wait_for_timeout(300)
        page.reload()
