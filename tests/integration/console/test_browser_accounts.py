"""Accounts, reports and the department scope by accounts in Debian's Chromium (Playwright),
served by a real ``hisms run`` with the loopback carrier: an administrator creates an
account with a quota, sends with it, sees it counted and delivered in a report and opens
the report's Excel download; a department user sees and sends only with its accounts.
Screenshots in tests/artifacts/console/ (look at them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.engine.billing.accounts import Account
from hisms.engine.store import open_store
from hisms.engine.store.policystore import Who
from tests.acceptance.conftest import hisms, write_config
from tests.integration.console.served import free_port, serving
from tests.integration.console.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    PASSWORD,
    browser,
    login,
    page,
    shot,
)

pytestmark = pytest.mark.xdist_group("console-browser-accounts")
__all__ = ["browser", "page"]  # the fixtures of test_browser.py, used here too


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``hisms run`` with the console, an administrator, a ward user of ICU and an account
    of each department; its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium (make test does)")
    folder = tmp_path_factory.mktemp("console-accounts")
    port, url = free_port(), f"sqlite:///{folder / 'h.db'}"
    config = write_config(folder / "hisms.toml", url, report_delay=0.1)
    config.write_text(
        config.read_text("utf-8").replace(
            "[[channels]]",
            f"[monitoring]\nenabled = true\nport = {port}\n[console]\nenabled = true\n"
            "[billing]\nrollup_every_seconds = 0.2\n"
            "[health]\npoll_seconds = 0.2\n[[channels]]",  # the engine reads accounts as often
        ),
        "utf-8",
    )
    hisms("db", "init", config=config)
    store = open_store(url)
    people = Users(store, ConsoleConfig())
    people.add("admin", PASSWORD, Role.ADMIN, None, Who("test"))
    people.add("ward", PASSWORD, Role.DEPT, "ICU", Who("test"))
    for account, dept in (("ICU_A", "ICU"), ("LAB_B", "LAB")):
        store.put_policy("account", Account(account=account, dept_code=dept).row(), Who("test"))
    store.close()
    with serving(config, port, "run") as base:
        yield base


def test_an_account_with_a_quota_then_a_send_a_report_and_its_excel(
    console: str, page: Page
) -> None:
    login(page, console, "admin")
    page.goto(f"{console}/accounts")
    page.fill("#account", "ICU_B")
    page.fill("input[name=name]", "重症监护病区")
    page.fill("#dept_code", "ICU")
    page.fill("#price", "0.05")
    page.fill("#daily_quota", "50")
    page.click("#account-save")
    page.wait_for_url(re.compile(r"/accounts$"))
    row = page.locator("#accounts tr", has_text="ICU_B")
    assert "0 / 50" in row.inner_text()
    page.fill("#price", "abc")  # refused, naming the field
    page.fill("#account", "ICU_C")
    page.click("#account-save")
    assert "单价“abc”不是数字" in page.inner_text("[role=alert]")
    shot(page, "accounts-refused")

    # The engine reads the accounts every health.poll_seconds: a message claimed before it
    # knows ICU_B's quota is not charged against it.
    page.wait_for_timeout(1500)
    page.goto(f"{console}/send")
    page.fill("#phones", "13800138000")
    page.fill("#content", "您的检查报告已出，请到门诊三楼领取。")
    page.select_option("#send_account", "ICU_B")
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/messages/\d+$"))
    for _ in range(50):
        if page.inner_text("#status") == "已送达":
            break
        page.wait_for_timeout(100)
        page.reload()
    assert page.inner_text("#status") == "已送达"

    page.goto(f"{console}/accounts")
    assert "1 / 50" in page.locator("#accounts tr", has_text="ICU_B").inner_text()
    shot(page, "accounts")
    page.goto(f"{console}/reports")
    page.select_option("#kind", "user")
    page.select_option("#period", "month")
    page.click("#report-button")
    for _ in range(20):  # the rollup takes the delivered message within a fraction of a second
        shown = page.locator("table.report tr", has_text="ICU_B").inner_text()
        if re.search(r"ICU_B\s+1\s+1\s+1\s+1\b", shown):
            break
        page.wait_for_timeout(200)
        page.reload()
    assert re.search(r"ICU_B\s+1\s+1\s+1\s+1\b", shown), shown  # messages, segments, sent, ok
    shot(page, "reports")
    with page.expect_download() as got:
        page.click("#report-export")
    path = ARTIFACTS / "report-user.xlsx"
    got.value.save_as(path)
    book = load_workbook(path, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert rows[0][:4] == ("Period 时段", "Account 子账户", "Messages 条数", "Segments 计费条数")
    (mine,) = [r for r in rows if r[1] == "ICU_B"]
    assert mine[2:6] == (1, 1, 1, 1) and mine[-1] == 1  # delivered / submitted = 100 %
    page.goto(f"{console}/bills?account=ICU_B")
    assert "对账单" in page.inner_text("main")
    shot(page, "bills")


def test_a_department_user_sees_and_sends_only_with_its_accounts(console: str, page: Page) -> None:
    login(page, console, "ward")
    page.wait_for_url(re.compile(r"/console/$"))
    page.goto(f"{console}/accounts")
    shown = page.inner_text("#accounts")
    assert "LAB_B" not in shown and page.locator("#account-form").count() == 0
    page.goto(f"{console}/send")
    offered = page.locator("#send_account option").all_inner_texts()
    assert offered and all(o.startswith("ICU_") for o in offered), offered
    shot(page, "send-as-ward")
    page.goto(f"{console}/reports?kind=user&period=month")
    assert "LAB_B" not in page.inner_text("main")
    shot(page, "reports-as-ward")
    assert page.goto(f"{console}/reports?account=LAB_B").status == 403  # the URL edited
    assert page.goto(f"{console}/bills?account=LAB_B").status == 403
