"""The address book's files: an import of name, number and group rows from Excel (.xlsx,
read as a stream) or CSV (UTF-8 or GB18030), checked and de-duplicated row by row; and the
export of a contact list to Excel."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from hisms.adapters.console.web import sheet, when
from hisms.engine import phone
from hisms.engine.errors import ErrorCode
from hisms.engine.store.bookstore import HOSPITAL, Entry

MAX_ROWS = 50_000  # rows of an import file
NAME_LENGTH = 64  # sms_contact.name, sms_contact_group.name
# A first row naming its columns (any order); without one: name, number, group.
HEADINGS = {
    "name": {"姓名", "名字", "联系人", "name"},
    "phone": {"手机号码", "手机号", "手机", "号码", "电话", "phone", "mobile"},
    "group": {"分组", "组", "群组", "group"},
}
PHONE_PROBLEMS = {
    ErrorCode.PHONE_EMPTY: "号码为空",
    ErrorCode.PHONE_FORMAT: "号码含有数字以外的字符",
    ErrorCode.PHONE_LENGTH: "号码不是 11 位",
    ErrorCode.PHONE_NOT_MOBILE: "不是手机号码（固话或未知号段）",
}
EXPORT = [("name", "姓名"), ("phone", "手机号码"), ("dept_code", "科室"), ("groups", "分组"),
          ("note", "备注"), ("updated_at", "更新时间")]  # fmt: skip


def phone_problem(raw: str) -> tuple[str | None, str | None]:
    """(the normalised number, None) or (None, why it is not one, in Chinese)."""
    try:
        return phone.normalise(raw), None
    except phone.InvalidPhone as exc:
        return None, PHONE_PROBLEMS.get(exc.code, "号码有误")


@dataclass
class Reading:
    """A file read: the entries to import and what was left out, with the row numbers."""

    entries: list[Entry] = field(default_factory=list)
    duplicates: list[tuple[int, str, str, str]] = field(default_factory=list)
    refused: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, name, phone, why

    @property
    def left_out(self) -> list[tuple[int, str, str, str]]:
        return sorted(self.refused + self.duplicates)


class Unreadable(ValueError):
    """Not a workbook, or text in neither UTF-8 nor GB18030."""


def read(path: Path) -> Reading:
    """Check each row of the file; the first row holding a number wins over later ones."""
    try:
        return _read(path)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, UnicodeError) as exc:
        raise Unreadable(f"{type(exc).__name__}: {exc}") from exc


def _read(path: Path) -> Reading:
    done = Reading()
    seen: dict[str, int] = {}
    columns = {"name": 0, "phone": 1, "group": 2}
    for row, cells in _rows(path):
        texts = [_text(c) for c in cells]
        if row == 1 and (named := _headings(texts)):
            columns = named
            continue
        name, raw, group = (_cell(texts, columns[k]) for k in ("name", "phone", "group"))
        if not any(texts):
            continue
        if len(done.entries) >= MAX_ROWS:
            done.refused.append((row, name, raw, f"超过 {MAX_ROWS} 行"))
            continue
        number, why = phone_problem(raw)
        if why is None and not name:
            why = "姓名为空"
        elif why is None and (len(name) > NAME_LENGTH or len(group) > NAME_LENGTH):
            why = f"姓名或分组超过 {NAME_LENGTH} 个字"
        if why is not None or number is None:
            done.refused.append((row, name[:NAME_LENGTH], raw[:20], why or ""))
        elif number in seen:
            done.duplicates.append(
                (row, name[:NAME_LENGTH], raw, f"与第 {seen[number]} 行号码重复")
            )
        else:
            seen[number] = row
            done.entries.append(Entry(name, number, group))
    return done


def _headings(texts: list[str]) -> dict[str, int] | None:
    found = {
        k: i for i, t in enumerate(texts) for k, names in HEADINGS.items() if t.lower() in names
    }
    if "phone" not in found:
        return None
    return {"name": found.get("name", -1), "phone": found["phone"], "group": found.get("group", -1)}


def _cell(texts: list[str], index: int) -> str:
    return texts[index] if 0 <= index < len(texts) else ""


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():  # a number typed into Excel
        value = int(value)
    return "" if value is None else str(value).strip()


def _rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(row number, its first cells): streamed, never the whole sheet in memory."""
    if path.suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")  # what Excel writes on a Chinese Windows
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), 1)
        return
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for row, cells in enumerate(sheet.iter_rows(max_col=8, values_only=True), 1):
            yield row, list(cells)
    finally:
        book.close()


def left_out_csv(rows: list[tuple[int, str, str, str]]) -> str:
    """The rows not imported, as a CSV Excel opens as UTF-8 (with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "姓名", "号码", "原因"])
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def workbook(rows: list[dict[str, Any]], zone: str) -> bytes:
    return sheet("通讯录", EXPORT, rows, lambda key, value: _export_cell(key, value, zone))


def _export_cell(key: str, value: Any, zone: str) -> Any:
    if key == "groups":
        return "、".join(value or [])
    if key == "dept_code":
        return "全院" if value == HOSPITAL else value
    if key == "updated_at":
        return when(ZoneInfo(zone), value)
    return value
