"""The pure parts of the history: month arithmetic, ages, and the archive file format."""

from __future__ import annotations

import csv
import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hisms.engine.history import files
from hisms.engine.history.months import AgeError, add_months, cutoff, label, parse_age


@pytest.mark.parametrize(
    ("text", "months"), [("6mo", 6), ("6m", 6), ("6 months", 6), ("1y", 12), ("2 YEARS", 24)]
)
def test_ages_read_as_months(text: str, months: int) -> None:
    assert parse_age(text) == months


@pytest.mark.parametrize("text", ["", "6", "six months", "6d", "-1mo"])
def test_an_age_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(AgeError, match="not an age"):
        parse_age(text)


def test_months_clamp_to_the_last_day_and_cross_years() -> None:
    assert add_months(datetime(2026, 8, 31, tzinfo=UTC), -6) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 30, tzinfo=UTC), 2) == datetime(2027, 1, 30, tzinfo=UTC)
    assert add_months(datetime(2027, 1, 15, tzinfo=UTC), -1) == datetime(2026, 12, 15, tzinfo=UTC)


def test_the_cutoff_keeps_the_month_that_straddles_it() -> None:
    # On 30 November with 6 months: April (ends 1 May) goes, May (ends 1 June) stays.
    before = cutoff(datetime(2026, 11, 30, 12, tzinfo=UTC), 6)
    assert datetime(2026, 5, 1, tzinfo=UTC) <= before < datetime(2026, 6, 1, tzinfo=UTC)
    assert label(before) == "2026-05"


def _write(path: Path, rows: list[list[str]]) -> tuple[int, str]:
    def fill(sink: gzip.GzipFile) -> int:
        text = "".join(",".join(f'"{v}"' for v in row) + "\n" for row in rows)
        sink.write(text.encode())
        return len(rows) - 1

    return files.write_part(path, fill)


def test_a_written_part_checks_and_counts_quoted_newlines_as_one_row(tmp_path: Path) -> None:
    rows, digest = _write(tmp_path / "p.csv.gz", [["id", "content"], ["1", "a\nb"], ["2", "c"]])
    entry = files.Entry("sms_outbox", "p", "p.csv.gz", rows, digest, 0, 1)
    files.check(tmp_path, entry)
    assert rows == 2
    with gzip.open(tmp_path / "p.csv.gz", "rt", newline="") as f:
        assert list(csv.reader(f))[1] == ["1", "a\nb"]


def test_a_part_is_never_written_over(tmp_path: Path) -> None:
    _write(tmp_path / "p.csv.gz", [["id"]])
    with pytest.raises(FileExistsError):
        _write(tmp_path / "p.csv.gz", [["id"]])


def test_a_count_that_differs_from_the_manifest_is_refused(tmp_path: Path) -> None:
    rows, digest = _write(tmp_path / "p.csv.gz", [["id"], ["1"]])
    with pytest.raises(files.ArchiveFileError, match="1 rows, the manifest says 2"):
        files.check(tmp_path, files.Entry("t", "p", "p.csv.gz", 2, digest, 0, 1))
    with pytest.raises(files.ArchiveFileError, match="missing"):
        files.check(tmp_path, files.Entry("t", "p", "gone.csv.gz", rows, digest, 0, 1))


def test_a_manifest_round_trips_and_a_stranger_file_is_refused(tmp_path: Path) -> None:
    entry = files.Entry("sms_outbox", "sms_outbox_y2026m04", "f.csv.gz", 3, "ab", 1, 2)
    manifest = files.Manifest("2026-04", "sqlite", files.now_text(), "2026-05-30", [entry])
    path = files.write_manifest(tmp_path, manifest)
    assert files.read_manifest(path) == manifest
    (tmp_path / "other.json").write_text('{"hello": 1}')
    with pytest.raises(files.ArchiveFileError, match="not a hisms archive manifest"):
        files.read_manifest(tmp_path / "other.json")
