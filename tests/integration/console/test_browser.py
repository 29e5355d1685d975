"""The console in Debian's Chromium (Playwright), served by a real ``hisms run`` with the
loopback carrier: log in, lock-out, send to DELIVERED, search and export, department scope,
CSRF, the auditor. One engine and one browser for the module; screenshots of every page in
tests/artifacts/console/ (look at them)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser, Page, sync_playwright

from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import Role, Users
from hisms.engine.billing.accounts import Account
from hisms.engine.store import open_store
from hisms.engine.store.policystore import Who
from tests.acceptance.conftest import hisms, write_config
from tests.integration.console.served import free_port, serving

# One worker runs the module (make test: --dist loadgroup): one engine and one browser.
pytestmark = pytest.mark.xdist_group("console-browser")
CHROMIUM = os.environ.get("HISMS_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "artifacts" / "console"
PASSWORD = "Console-test-1"
USERS = {"admin": "admin", "ward": "dept", "lab": "dept", "audit": "auditor", "locked": "operator"}
PAGES = ["/", "/send", "/send/upload", "/messages", "/replies", "/reports", "/bills",
         "/templates", "/blacklist", "/words", "/profiles", "/accounts", "/channels", "/alarms",
         "/audit", "/users"]  # fmt: skip


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running ``hisms run`` with the console on; its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium (make test does)")
    folder = tmp_path_factory.mktemp("console")
    port = free_port()
    config = write_config(folder / "hisms.toml", f"sqlite:///{folder / 'h.db'}", report_delay=0.2)
    config.write_text(
        config.read_text("utf-8").replace(
            "[[channels]]",
            f"[monitoring]\nenabled = true\nport = {port}\n"
            "[console]\nenabled = true\nrefresh_seconds = 2\nsample_seconds = 1\n"
            "max_failed_logins = 3\n[[channels]]",
        ),
        "utf-8",
    )
    hisms("db", "init", config=config)
    # The first administrator by the CLI, as docs/console.md says; the others in process.
    hisms("user", "add", "admin", "--password", PASSWORD, config=config)
    store = open_store(f"sqlite:///{folder / 'h.db'}")
    people = Users(store, ConsoleConfig())
    for name, role in USERS.items():
        if name != "admin":
            dept = {"ward": "ICU", "lab": "LAB"}.get(name)
            people.add(name, PASSWORD, Role(role), dept, Who("test", "test"))
    for account, dept in (("ICU_WARD", "ICU"), ("LAB_WARD", "LAB")):  # a department sends with one
        store.put_policy("account", Account(account=account, dept_code=dept).row(), Who("test"))
    store.close()
    with serving(config, port, "run") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def login(page: Page, base: str, user: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def send(page: Page, base: str, phones: str, text: str, dept: str | None = None) -> str:
    """Send through the form; the page it lands on."""
    page.goto(f"{base}/send")
    page.fill("#phones", phones)
    page.fill("#content", text)
    if dept:
        page.fill("#dept_code", dept)
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/messages"))
    return str(page.url)


def test_login_then_every_page_renders(console: str, page: Page) -> None:
    login(page, console, "admin")
    page.wait_for_selector("#send-rate")  # htmx filled the tiles
    for path in PAGES:
        answer = page.goto(f"{console}{path}")
        assert answer.status == 200, path
        assert page.locator("nav.side a.on").count() == 1, path
        shot(page, "page" + path.replace("/", "-").rstrip("-"))
    page.goto(f"{console}/")
    page.wait_for_selector("#chart canvas")
    page.wait_for_timeout(2500)  # a second sample: a line
    shot(page, "dashboard")


def test_a_wrong_password_then_the_lock_out(console: str, page: Page) -> None:
    login(page, console, "locked", "Not-the-password-1")
    assert "用户名或密码错误" in page.inner_text("[role=alert]")
    shot(page, "login-wrong")
    for _ in range(2):
        login(page, console, "locked", "Not-the-password-1")
    login(page, console, "locked")  # the right password, too late
    assert "锁定" in page.inner_text("[role=alert]")
    shot(page, "login-locked")


def test_a_message_sent_in_the_form_reaches_delivered(console: str, page: Page) -> None:
    login(page, console, "admin")
    page.goto(f"{console}/send")
    page.fill("#phones", "13800138000")
    page.fill("#content", "您好，您的检查报告已出，请于明天上午到门诊三楼取报告。")
    page.fill("#signature", "市一医院")
    page.click("text=预览")
    assert page.inner_text("#parts") == "1"
    shot(page, "send-preview")
    page.click("#send-button")
    page.wait_for_url(re.compile(r"/messages/\d+$"))
    for _ in range(50):
        if page.inner_text("#status") == "已送达":
            break
        page.wait_for_timeout(200)
        page.reload()
    assert page.inner_text("#status") == "已送达"
    assert "DELIVRD" in page.inner_text("main")
    shot(page, "message-delivered")


def test_search_and_export_to_excel(console: str, page: Page) -> None:
    login(page, console, "admin")
    landed = send(page, console, "13900139001\n13900139002", "批量复诊提醒")
    assert "batch_id=" in landed
    assert page.locator("#results tr").count() == 3
    page.goto(f"{console}/messages?phone=13900139002")
    assert page.locator("#results tr").count() == 2
    with page.expect_download() as got:
        page.click("#export")
    path = ARTIFACTS / "export.xlsx"
    got.value.save_as(path)
    book = load_workbook(path, read_only=True)  # keeps the file open until closed
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    book.close()
    assert rows[0][:3] == ("编号", "手机号码", "内容")
    assert [r[1:3] for r in rows[1:]] == [("13900139002", "批量复诊提醒")]
    shot(page, "messages-search")


def test_a_department_user_sees_only_its_department(console: str, page: Page) -> None:
    login(page, console, "admin")
    other = send(page, console, "13700137000", "检验科的短信", dept="LAB")
    other_id = other.rsplit("/", 1)[1]
    page.context.clear_cookies()
    login(page, console, "ward")
    mine = send(page, console, "13600136000", "ICU 的短信")
    page.goto(f"{console}/messages")
    shown = page.inner_text("#results")
    assert "ICU 的短信" in shown and "检验科的短信" not in shown
    page.goto(f"{console}/messages?dept_code=LAB")  # the URL edited by hand
    assert "检验科的短信" not in page.inner_text("#results")
    answer = page.goto(f"{console}/messages/{other_id}")
    assert answer.status == 403
    assert page.goto(mine).status == 200


def test_a_post_without_its_csrf_token_is_refused(console: str, page: Page) -> None:
    login(page, console, "admin")
    page.wait_for_url(re.compile(r"/console/$"))
    form = {"phones": "13800138001", "content": "no token"}
    refused = page.request.post(f"{console}/send", form=form)
    assert refused.status == 403
    wrong = page.request.post(f"{console}/send", form={**form, "csrf_token": "forged"})
    assert wrong.status == 403
    page.goto(f"{console}/messages?phone=13800138001")
    assert "no token" not in page.inner_text("#results")


def test_an_auditor_reads_but_cannot_send(console: str, page: Page) -> None:
    login(page, console, "audit")
    page.wait_for_url(re.compile(r"/console/$"))
    assert page.locator("nav.side >> text=发送短信").count() == 0
    assert page.goto(f"{console}/send").status == 403
    assert page.goto(f"{console}/audit").status == 200
    shot(page, "audit-as-auditor")
    page.goto(f"{console}/messages")
    token = page.get_attribute("body", "hx-headers")
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', token or "")
    assert csrf is not None
    form = {"phones": "13800138002", "content": "auditor", "csrf_token": csrf[1]}
    answer = page.request.post(f"{console}/send", form=form)
    assert answer.status == 403


def test_an_upload_of_10000_numbers_shows_its_progress_to_the_end(
    console: str, page: Page, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["手机号码"])
    for i in range(10_000):
        sheet.append([f"135{i:08d}"])
    sheet.append(["12345"])  # not a number
    sheet.append(["13500000007"])  # a duplicate
    upload = tmp_path / "numbers.xlsx"
    book.save(upload)
    login(page, console, "admin")
    page.goto(f"{console}/send/upload")
    page.set_input_files("#file", str(upload))
    page.fill("#content", "体检通知：请于本周内到体检中心完成年度体检。")
    tomorrow = datetime.now() + timedelta(days=1)  # scheduled: the engine leaves them be
    page.fill("#send_at", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.click("#upload-button")
    page.wait_for_url(re.compile(r"/send/upload/\w+$"))
    page.wait_for_selector("#batch-link", timeout=60_000)
    shot(page, "upload-done")
    assert "完成" in page.inner_text("#upload-state")
    assert page.inner_text("#inserted") == "10000"
    with page.expect_download() as got:
        page.click("#errors-link")
    refused = got.value.path().read_text("utf-8-sig").splitlines()
    assert len(refused) == 3 and "重复号码" in refused[2]
    page.click("#batch-link")
    page.wait_for_url(re.compile(r"/messages\?batch_id="))  # loaded, not just committed
    assert page.locator("#results tr").count() == 51  # a page of the batch, and more
