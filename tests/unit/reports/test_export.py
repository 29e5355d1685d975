"""Excel and CSV exports read back: openpyxl for the workbook, csv for the text."""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from hisms.engine.reports import export
from hisms.engine.reports.tables import MT_COLUMNS, Column, Table, totals

COLUMNS = (Column("period", "Period 时段", "text"), Column("dim", "All 全部", "text"), *MT_COLUMNS)
ROWS = [
    ["2026-11-02", "-", 2, 3, 2, 1, 1, 0, 0, 0, 0, 0, Decimal("0.5")],
    ["2026-11-03", "-", 1000, 1000, 1000, 1000, 0, 0, 0, 0, 0, 0, Decimal(1)],
]


def summary() -> export.Sheet:
    table = Table("Summary 汇总", COLUMNS, ROWS, chart=True)
    return export.Sheet(table.title, table.columns, iter(table.rows), totals(table), True)


def test_the_workbook_has_headers_formats_a_frozen_row_a_total_and_a_chart(tmp_path: Path) -> None:
    path = tmp_path / "summary.xlsx"
    export.to_xlsx(path, [summary()])
    book = openpyxl.load_workbook(path)
    ws = book["Summary 汇总"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]][:4] == [
        "Period 时段",
        "All 全部",
        "Messages 条数",
        "Segments 计费条数",
    ]
    assert [c.value for c in ws[3]][:4] == ["2026-11-03", "-", 1000, 1000]
    assert ws["C3"].number_format == "#,##0"
    assert ws["M2"].value == 0.5 and ws["M2"].number_format == "0.00%"
    assert [c.value for c in ws[4]][:4] == ["Total 合计", "", 1002, 1003]
    assert ws["M4"].value == pytest.approx(1001 / 1002) and ws["C4"].font.bold
    assert ws.max_row == 4
    with zipfile.ZipFile(path) as xlsx:
        assert any(n.startswith("xl/charts/chart") for n in xlsx.namelist())


def test_csv_has_a_bom_for_excel_and_every_row(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    export.to_csv(path, [summary()])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Period 时段", "All 全部", "Messages 条数"]
    assert rows[1][-1] == "0.5" and rows[3][:3] == ["Total 合计", "", "1002"]
