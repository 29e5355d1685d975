"""Blacklist scopes, prefixes and expiry; unsubscribe keywords; the CSV files."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from hisms.engine.policy.blacklist import (
    Blacklist,
    Entry,
    entry_row,
    is_unsubscribe,
    keywords,
    read_csv,
    write_csv,
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
