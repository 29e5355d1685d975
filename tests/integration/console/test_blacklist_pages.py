"""The console's blacklist page imports and exports Excel and CSV as ``hisms blacklist``
does, on every live database: a wrong line adds nothing and is named; each import and
export is audited; a department user may do neither."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook

from hisms.engine.policy.blacklist import entry_row, utc_time
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import AuditFilter, Who
from tests.integration.console.test_pages import Client, Scenario, browse, login

__all__ = ["browse"]  # the fixture, for pytest
OPS = Who("cli:ops", "hisms-cli")


def _sheet(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_import_and_both_exports(store: Store, browse: Callable[[Scenario], None]) -> None:
    book = _sheet(
        ["phone", "categories", "reason"],
        [13800138000, "notice,marketing", "退订"],
        ["13900139000", None, "投诉"],
    )
    broken = b"phone,categories\n13700137000,notice\n13700137001,spam\n"

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        xlsx = ("名单.xlsx", book, "application/octet-stream")
        done = await client.post(
            "/console/blacklist/import", data={"csrf_token": token}, files={"file": xlsx}
        )
        assert done.status_code == 303, done.text
        refused = await client.post(
            "/console/blacklist/import",
            data={"csrf_token": token},
            files={"file": ("bad.csv", broken, "text/csv")},
        )
        assert refused.status_code == 400 and "line 3" in refused.text
        no_token = await client.post("/console/blacklist/import", files={"file": xlsx})
        assert no_token.status_code == 403

        exported = await client.get("/console/blacklist/export")
        assert exported.status_code == 200
        rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
        assert [r[1] for r in rows[1:]] == ["13800138000", "13900139000"]
        as_csv = await client.get("/console/blacklist/export", params={"format": "csv"})
        lines = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert [(r["phone"], r["categories"]) for r in lines] == [
            ("13800138000", "marketing,notice"),
            ("13900139000", ""),
        ]

    browse(scenario)
    assert [e["phone"] for e in store.load_policy().blacklist] == ["13800138000", "13900139000"]
    trail = store.audit_trail(AuditFilter(object="blacklist", actor="console:admin"))
    assert sorted(r["action"] for r in trail) == ["create", "create", "export", "export", "import"]

    async def ward(client: Client) -> None:
        token = await login(client, "ward")
        assert (await client.get("/console/blacklist/export")).status_code == 403
        xlsx = ("名单.xlsx", book, "application/octet-stream")
        denied = await client.post(
            "/console/blacklist/import", data={"csrf_token": token}, files={"file": xlsx}
        )
        assert denied.status_code == 403

    browse(ward)
    assert len(store.load_policy().blacklist) == 2


def test_an_entry_added_in_the_form_is_checked_as_the_cli_checks_it(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        post = lambda **form: client.post(  # noqa: E731
            "/console/blacklist", data={"csrf_token": token, **form}
        )
        assert (
            await post(phone="+86 138 0013 8000", categories="notice， marketing")
        ).status_code == 303
        assert (await post(phone="1700", prefix="1")).status_code == 303
        spam = await post(phone="13900139000", categories="spam")
        assert spam.status_code == 400 and "unknown categories" in spam.text
        assert (await post(phone="12345")).status_code == 400
        assert (await post(phone="17", prefix="1")).status_code == 400

    browse(scenario)
    got = [(e["phone"], e["prefix"], e["categories"]) for e in store.load_policy().blacklist]
    assert got == [("13800138000", 0, "marketing,notice"), ("1700", 1, None)]


def test_an_entry_scoped_by_service_number_is_added_listed_and_exported(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        post = lambda **form: client.post(  # noqa: E731
            "/console/blacklist", data={"csrf_token": token, **form}
        )
        added = await post(phone="13800138000", service_number="106901230104", reason="投诉")
        assert added.status_code == 303
        wrong = await post(phone="13800138001", service_number="1069-01")
        assert wrong.status_code == 400 and "service number" in wrong.text
        page = await client.get("/console/blacklist")
        assert "服务号码" in page.text and "106901230104" in page.text
        exported = await client.get("/console/blacklist/export?format=csv")
        (row,) = csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
        assert row["service_number"] == "106901230104"

    browse(scenario)
    (entry,) = store.load_policy().blacklist
    assert (entry["phone"], entry["service_number"]) == ("13800138000", "106901230104")


def test_an_expiry_typed_in_the_hospitals_time_is_stored_as_the_cli_stores_it(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        post = lambda **form: client.post(  # noqa: E731
            "/console/blacklist", data={"csrf_token": token, **form}
        )
        page = await client.get("/console/blacklist")
        assert 'name="expire_at" type="datetime-local"' in page.text
        # Asia/Shanghai (the console's default zone), as a datetime-local field sends it
        added = await post(phone="13800138000", expire_at="2030-06-01T08:00", reason="投诉")
        assert added.status_code == 303
        assert (await post(phone="13800138001")).status_code == 303  # none: never expires
        wrong = await post(phone="13800138002", expire_at="明天")
        assert wrong.status_code == 400 and "到期时间有误" in wrong.text
        past = await post(phone="13800138003", expire_at="2020-01-01T08:00")
        assert past.status_code == 400 and "已经过去" in past.text
        shown = await client.get("/console/blacklist")
        assert "2030-06-01 08:00:00" in shown.text  # read back in the hospital's time

    browse(scenario)
    typed = datetime(2030, 6, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    store.add_blacklist([entry_row("13800138009", expire_at=typed.astimezone())], OPS)
    entries = {e["phone"]: e for e in store.load_policy().blacklist}
    assert set(entries) == {"13800138000", "13800138001", "13800138009"}
    console_entry, cli_entry = entries["13800138000"], entries["13800138009"]
    assert console_entry["expire_at"] == cli_entry["expire_at"]  # stored alike, in each DB
    assert utc_time(console_entry["expire_at"]) == datetime(2030, 6, 1, 0, tzinfo=UTC)
    assert entries["13800138001"]["expire_at"] is None
