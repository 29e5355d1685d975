"""Reading an address-book import: headings in any order, numbers typed into Excel as
numbers, GB18030 CSV, duplicates and refused rows with their row numbers."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from hisms.adapters.console import bookfile
from hisms.engine.store.bookstore import Entry


def test_headings_name_the_columns_in_any_order(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["分组", "手机号码", "姓名"])
    sheet.append(["随访", 13800138000, "张三"])  # a number cell, as Excel keeps it
    sheet.append([None, "+86 139-0013-9000", "李四"])
    sheet.append([])
    sheet.append(["随访", "１３８００１３８０００", "张三丰"])  # full-width, a duplicate
    book.save(tmp_path / "a.xlsx")
    read = bookfile.read(tmp_path / "a.xlsx")
    assert read.entries == [Entry("张三", "13800138000", "随访"), Entry("李四", "13900139000")]
    assert read.duplicates == [(5, "张三丰", "１３８００１３８０００", "与第 2 行号码重复")]


def test_without_headings_the_columns_are_name_number_group(tmp_path: Path) -> None:
    lines = "王五,13700137000,家属\r\n赵六,0755-12345678,\r\n钱七,,\r\n,13600136000\r\n"
    (tmp_path / "b.csv").write_bytes(lines.encode("gb18030"))
    read = bookfile.read(tmp_path / "b.csv")
    assert read.entries == [Entry("王五", "13700137000", "家属")]
    assert read.refused == [
        (2, "赵六", "0755-12345678", "不是手机号码（固话或未知号段）"),
        (3, "钱七", "", "号码为空"),
        (4, "", "13600136000", "姓名为空"),
    ]
