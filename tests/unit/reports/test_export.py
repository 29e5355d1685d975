"""Excel and CSV exports read back: openpyxl for the workbook, csv for the text."""

from __future__ import annotations

import csv
import tracemalloc
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

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
    # The chart on the summary sheet: messages (C) and delivered (F) per period, the total
    # row left out.
    (chart,) = ws._charts
    assert chart.tagname == "barChart" and chart.type == "col"
    series = [
        (s.tx.strRef.f, (s.cat.numRef or s.cat.strRef).f, s.val.numRef.f) for s in chart.series
    ]
    sheet = "'Summary 汇总'!"
    assert series == [
        (f"{sheet}$C$1", f"{sheet}$A$2:$A$3", f"{sheet}$C$2:$C$3"),
        (f"{sheet}$F$1", f"{sheet}$A$2:$A$3", f"{sheet}$F$2:$F$3"),
    ]


def test_csv_has_a_bom_for_excel_and_every_row(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    export.to_csv(path, [summary()])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Period 时段", "All 全部", "Messages 条数"]
    assert rows[1][-1] == "0.5" and rows[3][:3] == ["Total 合计", "", "1002"]


def test_a_long_sheet_is_written_as_it_is_read_in_flat_memory(tmp_path: Path) -> None:
    """The rows are a generator, consumed while the sheet is written, and Python's peak
    memory is the same for 2,000 rows as for 20,000 (xlsxwriter's constant_memory mode)."""
    columns = (Column("period", "Period 时段", "text"), *MT_COLUMNS[:3])

    def peak(count: int) -> int:
        seen = 0

        def rows() -> Iterator[list[Any]]:
            nonlocal seen
            for n in range(count):
                seen += 1
                yield [f"2026-11-{n % 30 + 1:02d}", n, n * 2, n]

        tracemalloc.start()
        try:
            export.to_xlsx(tmp_path / f"{count}.xlsx", [export.Sheet("Long", columns, rows())])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert seen == count

    small, large = peak(2_000), peak(20_000)
    assert large < small * 1.5 + 256 * 1024, (small, large)
    book = openpyxl.load_workbook(tmp_path / "20000.xlsx", read_only=True)
    rows = book["Long"].max_row
    book.close()  # read-only keeps the file open until closed
    assert rows == 20_001


def test_rows_past_excels_limit_continue_on_the_next_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xlsxwriter drops rows past 1,048,576 without an error: they go to ``NAME (2)``..."""
    monkeypatch.setattr(export, "EXCEL_ROWS", 4)  # a header and three rows a sheet
    rows = [[f"2026-11-0{n}", "-", n, n, n, n, 0, 0, 0, 0, 0, 0, Decimal(1)] for n in range(1, 8)]
    table = Table("Summary 汇总", COLUMNS, rows, chart=True)
    path = tmp_path / "long.xlsx"
    export.to_xlsx(path, [export.Sheet(table.title, COLUMNS, iter(rows), totals(table), True)])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary 汇总", "Summary 汇总 (2)", "Summary 汇总 (3)"]
    values = [[[c.value for c in r][:3] for r in ws.iter_rows()] for ws in book.worksheets]
    head = ["Period 时段", "All 全部", "Messages 条数"]
    assert values == [
        [head, ["2026-11-01", "-", 1], ["2026-11-02", "-", 2], ["2026-11-03", "-", 3]],
        [head, ["2026-11-04", "-", 4], ["2026-11-05", "-", 5], ["2026-11-06", "-", 6]],
        [head, ["2026-11-07", "-", 7], ["Total 合计", "", 28]],
    ]
    assert {ws.freeze_panes for ws in book.worksheets} == {"A2"}
    (chart,) = book.worksheets[0]._charts  # the first sheet's rows
    assert chart.series[0].val.numRef.f == "'Summary 汇总'!$C$2:$C$4"
    assert not book.worksheets[1]._charts and not book.worksheets[2]._charts
