"""Write report tables as Excel (xlsxwriter in constant_memory mode: each row is written
out as it comes, so memory stays flat however long a sheet is) or CSV (UTF-8 with a BOM,
which Excel opens as UTF-8), or print them."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from hisms.engine.reports.tables import Column

FORMATS = {"int": "#,##0", "percent": "0.00%", "money": "#,##0.00", "text": "@"}
EXCEL_ROWS = 1_048_576  # rows of one worksheet, its header included


class Sheet:
    """One sheet's title, columns and rows (an iterable: read once, as it is written)."""

    def __init__(
        self,
        title: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        totals: Sequence[Any] | None = None,
        chart: bool = False,
    ) -> None:
        self.title, self.columns, self.rows = title, columns, rows
        self.totals, self.chart = totals, chart


def to_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    import xlsxwriter  # only when a workbook is written

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "in_memory": False})
    try:
        head = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        formats = {k: book.add_format({"num_format": v}) for k, v in FORMATS.items()}
        bold = {k: book.add_format({"num_format": v, "bold": True}) for k, v in FORMATS.items()}
        for n, sheet in enumerate(sheets):
            _sheet(book, _sheet_name(sheet.title, n), sheet, head, formats, bold)
    finally:
        book.close()


def _sheet(
    book: Any, name: str, sheet: Sheet, head: Any, formats: dict[str, Any], bold: dict[str, Any]
) -> None:
    """The sheet's rows, continued on ``NAME (2)``, ``NAME (3)``... past Excel's rows per
    worksheet (xlsxwriter drops a row beyond it without a word)."""
    ws, part, last, charted = _worksheet(book, name, sheet.columns, head), 1, 0, 0
    first = ws
    for row in sheet.rows:
        if last == EXCEL_ROWS - 1:
            part += 1
            ws, last = _worksheet(book, f"{name[:26]} ({part})", sheet.columns, head), 0
        last += 1
        charted = charted if part > 1 else last
        _row(ws, last, row, sheet.columns, formats)
    if sheet.totals is not None:
        if last == EXCEL_ROWS - 1:
            part += 1
            ws, last = _worksheet(book, f"{name[:26]} ({part})", sheet.columns, head), 0
        last += 1
        _row(ws, last, sheet.totals, sheet.columns, bold)
    if sheet.chart and charted > 0:
        _chart(book, first, name, sheet.columns, rows=charted)


def _worksheet(book: Any, name: str, columns: Sequence[Column], head: Any) -> Any:
    ws = book.add_worksheet(name)
    ws.freeze_panes(1, 0)
    for col, column in enumerate(columns):
        ws.write_string(0, col, column.header, head)
        ws.set_column(col, col, max(12, len(column.header) + 2))
    return ws


def _row(
    ws: Any, at: int, row: Sequence[Any], columns: Sequence[Column], fmt: dict[str, Any]
) -> None:
    for col, (value, column) in enumerate(zip(row, columns, strict=True)):
        if value is None:
            ws.write_blank(at, col, None, fmt[column.kind])
        elif column.kind == "text":
            ws.write_string(at, col, str(value), fmt["text"])
        else:
            ws.write_number(at, col, float(value), fmt[column.kind])


def _chart(book: Any, ws: Any, name: str, columns: Sequence[Column], rows: int) -> None:
    """Messages and delivered per period, as columns, beside the table."""
    chart = book.add_chart({"type": "column"})
    names = [c.name for c in columns]
    for wanted in ("messages", "delivered"):
        if wanted in names:
            col = names.index(wanted)
            chart.add_series(
                {
                    "name": [name, 0, col],
                    "categories": [name, 1, 0, rows, 0],
                    "values": [name, 1, col, rows, col],
                }
            )
    chart.set_title({"name": "Messages per period"})
    ws.insert_chart(1, len(columns) + 1, chart)


def _sheet_name(title: str, n: int) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28]
    return cleaned if n == 0 else f"{cleaned[:25]} {n + 1}"


def to_csv(path: Path, sheets: Sequence[Sheet]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        for n, sheet in enumerate(sheets):
            if n:
                writer.writerow([])
            writer.writerow([c.header for c in sheet.columns])
            writer.writerows(_plain(r) for r in sheet.rows)
            if sheet.totals is not None:
                writer.writerow(_plain(sheet.totals))


def echo(sheets: Sequence[Sheet]) -> None:
    for sheet in sheets:
        click.echo(sheet.title)
        click.echo("\t".join(c.name for c in sheet.columns))
        for row in sheet.rows:
            click.echo("\t".join(_plain(row)))
        if sheet.totals is not None:
            click.echo("\t".join(_plain(sheet.totals)))


def _plain(row: Sequence[Any]) -> list[str]:
    out = []
    for value in row:
        if value is None:
            out.append("")
        elif hasattr(value, "as_integer_ratio") and not isinstance(value, int):
            out.append(f"{float(value):.4f}".rstrip("0").rstrip("."))
        else:
            out.append(str(value))
    return out
