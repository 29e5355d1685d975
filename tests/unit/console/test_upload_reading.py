"""Reading an uploaded file of numbers: a heading, bad rows and duplicates kept aside with
their row numbers, CSV in UTF-8 or in the GB18030 Excel writes on a Chinese Windows."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from hisms.adapters.console.upload import Job, _read

ROWS = ["手机号码", "13800138000", "+86 139 0013 9000", "没有号码", "13800138000", ""]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_gives_its_numbers_and_the_rows_refused(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("\r\n".join(ROWS) + "\r\n", encoding)
    job = Job("j", "u", "numbers.csv")
    assert _read(job, path) == ["13800138000", "13900139000"]
    assert [(row, why) for row, _, why in job.errors if why == "重复号码"] == [(5, "重复号码")]
    assert [row for row, _, _ in job.errors] == [4, 5, 6]
    assert job.read == 6


def test_an_excel_sheet_with_numbers_stored_as_numbers(tmp_path: Path) -> None:
    book = Workbook()
    for value in (13800138000, 13900139000.0, "13700137000"):
        book.active.append([value])  # type: ignore[union-attr]
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    job = Job("j", "u", "numbers.xlsx")
    assert _read(job, path) == ["13800138000", "13900139000", "13700137000"]
    assert job.errors == []
