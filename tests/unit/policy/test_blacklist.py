"""Blacklist scopes, prefixes and expiry; unsubscribe keywords; the CSV and Excel files."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from hisms.engine.policy.blacklist import (
    Blacklist,
    Entry,
    entry_row,
    is_unsubscribe,
    keywords,
    read_csv,
    read_file,
    write_csv,
    write_file,
)

NOW = datetime(2024, 5, 1, tzinfo=UTC)
UNSUBSCRIBED = Entry(
    7, "13800138000", False, "APPT", frozenset({"notice", "marketing"}), "TD", None
)
HARD = Entry(8, "13900139000", False, None, None, "complaint", None)
PREFIX = Entry(9, "1700", True, None, None, "virtual operator", NOW - timedelta(days=1))


def test_an_unsubscribed_number_still_gets_transactional_messages_a_hard_entry_does_not() -> None:
    blacklist = Blacklist([UNSUBSCRIBED, HARD, PREFIX])
    assert blacklist.hit("13800138000", "APPT", "notice", NOW) == UNSUBSCRIBED
    assert blacklist.hit("13800138000", "APPT", "transactional", NOW) is None
    assert blacklist.hit("13800138000", "CV", "notice", NOW) is None  # another source
    assert blacklist.hit("13900139000", "CV", "transactional", NOW) == HARD
    assert blacklist.hit("17000000001", "HIS", "notice", NOW) is None  # expired yesterday
    assert "blacklist entry 7 " in UNSUBSCRIBED.describe()


def test_a_service_number_entry_blocks_only_messages_sent_from_that_number() -> None:
    entry = Entry(5, "13800138000", False, None, None, "complaint", None, "106901230104")
    blacklist = Blacklist([entry])
    assert blacklist.by_sender and not Blacklist([HARD]).by_sender
    assert blacklist.hit("13800138000", "APPT", "notice", NOW) is None  # not routed yet
    assert blacklist.hit("13800138000", "APPT", "notice", NOW, "106901230104") == entry
    assert blacklist.hit("13800138000", "APPT", "notice", NOW, "106901230101") is None
    assert blacklist.hit("13800138000", "APPT", "notice", NOW, "1069012301") is None
    assert Blacklist([HARD]).hit("13900139000", "CV", "notice", NOW, "1069012301") == HARD
    assert entry.describe() == "blacklist entry 5 (service number 106901230104): complaint"
    assert entry_row("13800138000", service_number=" 106901230104 ")["service_number"] == (
        "106901230104"
    )
    assert entry_row("13800138000")["service_number"] is None
    with pytest.raises(ValueError, match="service number"):
        entry_row("13800138000", service_number="1069-0123")


def test_a_prefix_entry_blocks_the_numbers_it_begins() -> None:
    entry = Entry(1, "1700", True, None, None, "", None)
    assert Blacklist([entry]).hit("17001234567", "HIS", "notice", NOW) == entry
    assert Blacklist([entry]).hit("17101234567", "HIS", "notice", NOW) is None


@pytest.mark.parametrize(
    "reply", ["TD", "td", "ＴＤ", " T D ", "退订", "退 订。", "n", "0000", "Ｔ"]
)
def test_unsubscribe_keywords_in_any_width_case_or_spacing(reply: str) -> None:
    assert is_unsubscribe(reply, keywords(["TD", "T", "退订", "N", "0000"]))


@pytest.mark.parametrize("reply", ["1", "TDD", "谢谢", "不要退订", ""])
def test_other_replies_are_not_unsubscribes(reply: str) -> None:
    assert not is_unsubscribe(reply, keywords(["TD", "T", "退订", "N", "0000"]))


def test_csv_import_checks_each_line_and_export_reads_back() -> None:
    text = (
        "phone,prefix,source_system,categories,reason,expire_at\n"
        '+86 138 0013 8000,,APPT,"notice,marketing",patient asked,\n'
        "1700,1,,,virtual operator,2030-06-01T00:00:00+08:00\n"
    )
    rows = read_csv(io.StringIO(text))
    assert rows[0]["phone"] == "13800138000" and rows[0]["categories"] == "marketing,notice"
    assert rows[1]["prefix"] == 1 and rows[1]["expire_at"].year == 2030
    out = io.StringIO()
    write_csv([{"id": 1, **rows[0]}], out)
    assert read_csv(io.StringIO(out.getvalue()))[0]["phone"] == "13800138000"
    with pytest.raises(ValueError, match="line 2"):
        read_csv(io.StringIO("phone,categories\n12345,notice\n"))
    with pytest.raises(ValueError, match="unknown categories"):
        entry_row("13800138000", categories="spam")


STORED = [  # as load_policy answers them: SQLite keeps UTC times as text without a zone
    {"id": 1, "phone": "13800138000", "prefix": 0, "source_system": "APPT",
     "categories": "marketing,notice", "reason": "TD", "expire_at": None,
     "created_at": "2024-05-01 02:00:00", "created_by": "cli:ops"},
    {"id": 2, "phone": "1700", "prefix": 1, "source_system": None, "categories": None,
     "service_number": "106901230104", "reason": "virtual operator",
     "expire_at": datetime(2030, 5, 31, 16, tzinfo=UTC),
     "created_at": datetime(2024, 5, 1, 2, tzinfo=UTC), "created_by": "cli:ops"},
]  # fmt: skip


@pytest.mark.parametrize("name", ["out.xlsx", "out.csv"])
def test_an_export_to_excel_or_csv_imports_back_the_same_entries(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_file(STORED, path)
    rows = read_file(path)
    assert [(r["phone"], r["prefix"], r["source_system"], r["categories"]) for r in rows] == [
        ("13800138000", 0, "APPT", "marketing,notice"),
        ("1700", 1, None, None),
    ]
    assert [r["service_number"] for r in rows] == [None, "106901230104"]
    assert rows[0]["expire_at"] is None
    assert rows[1]["expire_at"] == datetime(2030, 5, 31, 16, tzinfo=UTC)  # the same instant


def test_an_excel_sheet_typed_by_hand_is_read_and_checked(tmp_path: Path) -> None:
    """Numbers typed into Excel are numbers, a time a local time; columns in any order."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["reason", "phone", "categories", "expire_at"])
    sheet.append(["complaint", 13800138000, None, datetime(2030, 6, 1, 8, 0)])
    sheet.append([None, None, None, None])  # an empty row is skipped
    sheet.append(["asked", "13900139000", "notice", None])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    first, second = read_file(path)
    assert (first["phone"], first["categories"]) == ("13800138000", None)
    assert first["reason"] == "complaint"
    assert first["expire_at"] == datetime(2030, 6, 1, 8, 0).astimezone()
    assert (second["phone"], second["categories"]) == ("13900139000", "notice")
    sheet.append(["bad", "12345", None, None])
    book.save(path)
    with pytest.raises(ValueError, match="line 5"):
        read_file(path)
    not_a_book = tmp_path / "fake.xlsx"
    not_a_book.write_text("phone\n13800138000\n")
    with pytest.raises(ValueError, match="not an Excel workbook"):
        read_file(not_a_book)


def test_a_csv_excel_saved_on_a_chinese_windows_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("phone,reason\n13800138000,患者要求退订\n".encode("gb18030"))
    (row,) = read_file(path)
    assert (row["phone"], row["reason"]) == ("13800138000", "患者要求退订")


def test_an_excel_export_holds_local_times_without_a_zone(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_file(STORED, path)
    book = load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[0][:3] == ("id", "phone", "prefix")
    expire = rows[2][rows[0].index("expire_at")]
    assert isinstance(expire, datetime) and expire.tzinfo is None
    assert expire == datetime(2030, 5, 31, 16, tzinfo=UTC).astimezone().replace(tzinfo=None)


@pytest.mark.parametrize(
    "stored", ["2030-06-01 00:00:00.000", datetime(2030, 6, 1), datetime(2030, 6, 1, tzinfo=UTC)]
)
def test_an_entry_reads_its_expiry_as_each_database_answers_it(stored: object) -> None:
    row = {"id": 3, "phone": "13800138000", "prefix": 0, "source_system": None,
           "categories": None, "reason": None, "expire_at": stored}  # fmt: skip
    entry = Entry.of_row(row)
    assert entry.expire_at == datetime(2030, 6, 1, tzinfo=UTC)
    assert Blacklist([entry]).hit("13800138000", "HIS", "notice", NOW) == entry
