"""The address book in Debian's Chromium (Playwright), served by a real ``hisms run``: an
Excel import of 1,000 rows with duplicates and a bad number, a group made and sent to, and
the department scope. Screenshots in tests/artifacts/console/ (look at them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import Workbook
from playwright.sync_api import Browser, Page, expect

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.engine.billing.accounts import Account
from hisms.engine.store import open_store
from hisms.engine.store.policystore import Who
from tests.acceptance.conftest import write_config
from tests.integration.console.served import free_port, serving
from tests.integration.console.test_browser import (
    CHROMIUM,
    PASSWORD,
    browser,
    login,
    shot,
)

__all__ = ["browser"]  # the module's browser fixture
# Its own worker group: one engine and one browser, apart from test_browser.py's.
pytestmark = pytest.mark.xdist_group("console-browser-book")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running ``hisms run`` with the console on and two users (made in process: no CLI
    start-ups, two password hashes); its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium (make test does)")
    folder = tmp_path_factory.mktemp("book")
    port, url = free_port(), f"sqlite:///{folder / 'h.db'}"
    config = write_config(folder / "hisms.toml", url, report_delay=0.2)
    console_on = f"[monitoring]\nenabled = true\nport = {port}\n[console]\nenabled = true\n"
    config.write_text(console_on + config.read_text("utf-8"), "utf-8")
    store = open_store(url)
    store.upgrade()
    people = Users(store, ConsoleConfig())
    for name, role, dept in (("admin", Role.ADMIN, None), ("ward", Role.DEPT, "ICU")):
        people.add(name, PASSWORD, role, dept, Who("test", "test"))
    # a department user sends with one of its department's accounts
    store.put_policy("account", Account(account="ICU_A", dept_code="ICU").row(), Who("test"))
    store.close()
    with serving(config, port, "run") as base:
        yield base


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _workbook(path: Path) -> None:
    """1,000 rows: 990 numbers, 9 of them again, one that is not a number."""
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号码", "分组"])
    for i in range(990):
        sheet.append([f"家属{i:04d}", 13400000000 + i, "随访" if i % 2 else None])
    for i in range(9):
        sheet.append([f"重复{i}", f"134{i:08d}", None])
    sheet.append(["号码有误", "12345", None])
    book.save(path)


def _search_by_name(page: Page, name: str) -> None:
    """The address book's search, waiting for the page of its results (not the one before)."""
    page.fill("#search input[name=name]", name)
    page.click("#search button")
    page.wait_for_url(lambda url: name in unquote(url))


def test_import_make_a_group_and_send_to_it(console: str, page: Page, tmp_path: Path) -> None:
    _workbook(tmp_path / "通讯录.xlsx")
    login(page, console, "ward")
    page.goto(f"{console}/book/import")
    page.set_input_files("#file", str(tmp_path / "通讯录.xlsx"))
    page.click("#import-button")
    page.wait_for_selector("#import-result")
    counts = {k: page.inner_text(f"#{k}") for k in ("added", "duplicates", "refused")}
    assert counts == {"added": "990", "duplicates": "9", "refused": "1"}
    assert "号码不是 11 位" in page.inner_text("#left-out")
    shot(page, "book-import")
    page.goto(f"{console}/book")
    page.fill("#group-name", "夜班通知")
    page.click("#group-form button")
    expect(page.locator("#groups")).to_contain_text("夜班通知")  # the page after the POST
    _search_by_name(page, "家属000")
    assert page.locator("#contacts tr").count() == 11
    page.check("#tick-all")
    page.select_option("#bulk-group", label="夜班通知")
    page.click("#bulk-add")
    page.wait_for_url(re.compile(r"group_id="))
    assert "夜班通知" in page.inner_text("#contacts")
    shot(page, "book")
    page.goto(f"{console}/send")
    page.select_option("#group_id", label="夜班通知：10 人")
    page.fill("#content", "今晚探视时间调整为 19:00-20:00。")
    page.click("text=预览")
    assert page.inner_text("#numbers") == "10"
    shot(page, "send-group-preview")
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/messages\?batch_id="))
    assert page.locator("#results tr").count() == 11
    assert "13400000009" in page.inner_text("#results")
    shot(page, "send-group-messages")


def test_a_department_user_cannot_see_another_departments_contacts(
    console: str, page: Page
) -> None:
    login(page, console, "admin")
    page.goto(f"{console}/book")
    page.fill("#c-name", "检验科主任")
    page.fill("#c-phone", "13300133000")
    page.fill("#c-dept", "LAB")
    page.click("#contact-form button")
    expect(page.locator("#c-name")).to_have_value("")  # the page after the POST
    _search_by_name(page, "检验科主任")
    link = page.get_attribute("#contacts a", "href")
    assert link is not None
    shot(page, "book-admin")
    page.click("#contacts a")
    assert page.input_value("#dept_code") == "LAB"
    shot(page, "book-contact")
    page.context.clear_cookies()
    login(page, console, "ward")
    page.goto(f"{console}/book?dept_code=LAB&name=检验科主任")  # the URL edited by hand
    assert "没有符合条件的联系人" in page.inner_text("#contacts")
    assert page.goto(f"{console.removesuffix('/console')}{link}").status == 403
