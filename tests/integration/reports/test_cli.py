"""The report, bill and account commands in-process (click's runner) on SQLite: what they
print, their exports, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from hisms.engine.billing import statement as billing
from hisms.engine.cli import cli
from hisms.engine.store import open_store
from tests.integration.reports import history


@pytest.fixture
def hisms(tmp_path: Path, sqlite_url: str):  # type: ignore[no-untyped-def]
    config = tmp_path / "hisms.toml"
    config.write_text(f'[database]\nurl = "{sqlite_url}"\n', "utf-8")
    store = open_store(sqlite_url)
    history.load(store, sqlite_url)
    store.close()

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_reports_after_a_rebuild_and_their_exports(hisms, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "rolled up 5 final messages" in hisms("report", "rebuild")
    user = hisms(
        "report", "user", "--period", "month", "--from", "2026-11-01", "--to", "2026-12-31"
    )
    assert "2026-11\tWARD_A\t2\t2\t2\t1\t1\t0\t0\t0\t0\t0\t0.5" in user
    assert user.splitlines()[-1].startswith("Total 合计\t\t6\t")
    out = tmp_path / "interface.xlsx"
    assert "wrote" in hisms("report", "interface", "--from", "2026-11-01", "--to", "2026-11-30",
                            "--xlsx", str(out))  # fmt: skip
    assert out.stat().st_size > 0
    statement = hisms("bill", "statement", "--account", "WARD_A", "--month", "2026-11")
    assert "unicom\t0\t1\t0\t0\t0.04\t0" in statement
    dept = hisms("report", "user", "--period", "month", "--from", "2026-11-01", "--to",
                 "2026-12-31", "--dept", "D_A")  # fmt: skip
    assert "WARD_A" in dept and "WARD_B" not in dept  # D_A's account only
    replies = hisms("report", "mo", "--from", "2026-11-01", "--to", "2026-12-31", "--dept", "D_B")
    assert replies.splitlines()[-1].startswith("Total 合计")


def test_accounts_are_set_kept_and_refused_with_reasons(hisms) -> None:  # type: ignore[no-untyped-def]
    assert "account WARD_A unchanged" in hisms("account", "set", "WARD_A", "--price", "0.050")
    assert "account WARD_A saved" in hisms("account", "set", "WARD_A", "--monthly-quota", "9")
    assert "month 9 HOLD enabled" in hisms("account", "list")
    bad = hisms("account", "set", "WARD_A", "--operator-price", "cmcc=0.04", code=2)
    assert "unknown operators" in bad
    assert "is not a price" in hisms("account", "set", "X", "--price", "abc", code=2)
    assert "account X" not in hisms("account", "list")
    wrong = ("report", "mo", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "operator")
    assert "replies are counted by source or channel" in hisms(*wrong, code=2)
    assert "--to is before --from" in hisms("report", "summary", "--from", "2026-11-02",
                                            "--to", "2026-11-01", code=2)  # fmt: skip
    assert "is not a month" in hisms("bill", "statement", "--account", "A", "--month", "11", code=2)
    assert "account WARD_B deleted" in hisms("account", "delete", "WARD_B")
    assert "no account WARD_B" in hisms("account", "delete", "WARD_B", code=1)


def test_the_workbooks_opened_back_with_openpyxl(hisms, tmp_path: Path, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    # The carrier's report says DELIVRD for a2, which the engine wrote FAILED.
    history.execute(
        sqlite_url, "UPDATE sms_segment SET report_stat = 'DELIVRD' WHERE carrier_msg_id = 'a2-1'"
    )
    hisms("report", "rebuild")
    path = tmp_path / "statement.xlsx"
    hisms("bill", "statement", "--account", "WARD_A", "--month", "2026-11", "--xlsx", str(path))
    book = openpyxl.load_workbook(path)
    main, differences = book.worksheets
    assert main.title == "Statement 对账单 WARD_A 2026-11"[:28]
    assert [c.value for c in main[1]] == [c.header for c in billing.STATEMENT_COLUMNS]
    assert [[c.value for c in row] for row in main.iter_rows(min_row=2)] == [
        ["mobile", 1, 1, 1, 1, 0.05, 0.05],
        ["unicom", 0, 1, 1, 0, 0.04, 0],
        ["Total 合计", 1, 2, 2, 1, None, 0.05],
    ]
    assert main["B2"].number_format == "#,##0" and main["G2"].number_format == "#,##0.00"
    assert main["A4"].font.bold and main.freeze_panes == "A2" and not main._charts
    assert [c.value for c in differences[1]] == [c.header for c in billing.DIFFERENCE_COLUMNS]
    assert [[c.value for c in row] for row in differences.iter_rows(min_row=2)] == [
        [history.execute(sqlite_url, "SELECT id FROM sms_outbox WHERE content = 'a2'")[0][0],
         "130****0002", "lb", "FAILED", 1, 0, 1, 1],
    ]  # fmt: skip
    assert differences["B2"].number_format == "@" and differences.freeze_panes == "A2"

    path = tmp_path / "dept.xlsx"
    # The CLI knows both accounts' departments (the fixture's owners() only WARD_A's).
    hisms("report", "user", "--period", "month", "--from", "2026-11-01", "--to", "2026-12-31",
          "--by", "dept", "--xlsx", str(path))  # fmt: skip
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[1]][:4] == ["Period 时段", "Department 科室", "Messages 条数",
                                            "Segments 计费条数"]  # fmt: skip
    assert [[c.value for c in row][:3] for row in ws.iter_rows(min_row=2)] == [
        ["2026-11", "-", 1],  # n1: no account
        ["2026-11", "D_A", 2],
        ["2026-11", "D_B", 2],
        ["2026-12", "D_A", 1],
        ["Total 合计", "", 6],
    ]
    assert ws["M3"].value == 0.5 and ws["M3"].number_format == "0.00%"
    assert ws.freeze_panes == "A2" and not ws._charts

    path = tmp_path / "summary.xlsx"
    hisms("report", "summary", "--period", "day", "--from", "2026-11-01", "--to", "2026-11-30",
          "--xlsx", str(path))  # fmt: skip
    ws = openpyxl.load_workbook(path).active
    assert [[c.value for c in row][:3] for row in ws.iter_rows(min_row=2)] == [
        ["2026-11-02", "-", 2],
        ["2026-11-03", "-", 1],
        ["2026-11-09", "-", 2],
        ["Total 合计", "", 5],
    ]
    (chart,) = ws._charts
    assert [s.val.numRef.f for s in chart.series] == ["'Summary 汇总'!$C$2:$C$4",
                                                      "'Summary 汇总'!$F$2:$F$4"]  # fmt: skip
