"""Blacklist entries and whether one blocks a message; unsubscribe replies; the CSV and
Excel files operators import and export.

An entry blocks a message to its number (or to any number its prefix begins) when each
scope it gives matches: the source system, the service number, the category. An entry
without scope is hard: it blocks everything, critical values too. Unsubscribing adds one
scoped to the non-transactional categories, so critical values and verification codes
still arrive.

A message's service number is what the patient's phone shows as its sender: the service
number (``src_number``) of the channel it is routed to followed by its source's extension
(``ext``), as every protocol adapter submits it. It is known once the message is routed,
so an entry scoped by service number is checked then (:func:`hisms.engine.process.plan`,
again on a fail-over to another channel); before routing it blocks nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from hisms.engine import phone as phones
from hisms.engine.policy.text import folded

CSV_COLUMNS = (
    "phone",
    "prefix",
    "source_system",
    "service_number",
    "categories",
    "reason",
    "expire_at",
)
EXPORT_COLUMNS = ("id", *CSV_COLUMNS, "created_at", "created_by")
_TIMES = ("expire_at", "created_at")
CATEGORIES = frozenset({"transactional", "notice", "marketing"})


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    phone: str
    prefix: bool
    source_system: str | None
    categories: frozenset[str] | None  # None: every category
    reason: str
    expire_at: datetime | None
    service_number: str | None = None  # None: any; else the sender the message goes out as

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Entry:
        scope = row["categories"]
        return cls(
            int(row["id"]),
            row["phone"],
            bool(row["prefix"]),
            row["source_system"] or None,
            frozenset(scope.split(",")) if scope else None,
            row["reason"] or "",
            utc_time(row["expire_at"]),
            row.get("service_number") or None,
        )

    def blocks(
        self, source_system: str, category: str, now: datetime, sender: str | None = None
    ) -> bool:
        """``sender``: the message's service number; None before it is routed (an entry
        scoped by service number blocks nothing then)."""
        return (
            (self.expire_at is None or self.expire_at > now)
            and self.source_system in (None, source_system)
            and self.service_number in (None, sender)
            and (self.categories is None or category in self.categories)
        )

    def describe(self) -> str:
        """For ``error_text``: the entry's id first, as the docs promise."""
        scope = [f"source {self.source_system}"] if self.source_system else []
        scope += [f"service number {self.service_number}"] if self.service_number else []
        scope += [f"categories {','.join(sorted(self.categories))}"] if self.categories else []
        return f"blacklist entry {self.id} ({'; '.join(scope) or 'all traffic'}): {self.reason}"


def utc_time(value: str | datetime | None) -> datetime | None:
    """A stored time as an aware datetime: SQLite answers UTC as text, MySQL a datetime
    without a zone (UTC too), PostgreSQL an aware one."""
    if value is None or value == "":
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class Blacklist:
    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._exact: dict[str, list[Entry]] = {}
        self._prefixes: dict[str, list[Entry]] = {}
        for entry in entries:
            into = self._prefixes if entry.prefix else self._exact
            into.setdefault(entry.phone, []).append(entry)
        self._lengths = sorted({len(p) for p in self._prefixes})
        self.by_sender = any(e.service_number for es in self._every() for e in es)

    def _every(self) -> Iterator[list[Entry]]:
        yield from self._exact.values()
        yield from self._prefixes.values()

    def hit(
        self,
        phone: str,
        source_system: str,
        category: str,
        now: datetime,
        sender: str | None = None,
    ) -> Entry | None:
        """The first entry that blocks this message, if any; ``sender``: its service number
        once routed (None: entries scoped by service number are not asked)."""
        if not self._exact and not self._lengths:
            return None  # the usual case, checked for every message
        found = list(self._exact.get(phone, ()))
        for n in self._lengths:
            found.extend(self._prefixes.get(phone[:n], ()))
        return next((e for e in found if e.blocks(source_system, category, now, sender)), None)


def is_unsubscribe(content: str, keywords: frozenset[str]) -> bool:
    """Whether a reply is one of the (folded) keywords: ``ＴＤ``, ``t d``, ``退订。``."""
    return folded(content) in keywords


def keywords(words: Iterable[str]) -> frozenset[str]:
    return frozenset(folded(w) for w in words)


def read_csv(lines: IO[str]) -> list[dict[str, Any]]:
    """Entries from a CSV file with a header naming :data:`CSV_COLUMNS` (phone required);
    a wrong line raises ValueError naming it."""
    return _entries(enumerate(csv.DictReader(lines), start=2))


def read_file(path: Path) -> list[dict[str, Any]]:
    """Entries from an Excel workbook (``.xlsx``: its first sheet) or a CSV file (UTF-8,
    else GB18030 as Excel saves "CSV" on a Chinese Windows), either with a first row naming
    :data:`CSV_COLUMNS` (phone required); a wrong line raises ValueError naming it."""
    if path.suffix.lower() != ".xlsx":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        return read_csv(io.StringIO(text, newline=""))
    from openpyxl import load_workbook  # only for Excel files: it takes 0.3 s to import
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise ValueError(f"not an Excel workbook: {exc}") from None
    try:
        return _entries(_sheet_rows(book.worksheets[0].iter_rows(values_only=True)))
    finally:
        book.close()


def _sheet_rows(cells: Iterable[Sequence[Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """A sheet's rows after its heading row, as (line, {column: text}), empty rows skipped."""
    rows = iter(cells)
    heading = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    for n, row in enumerate(rows, start=2):
        values = dict(zip(heading, (_cell(c) for c in row), strict=False))
        if any(values.values()):
            yield n, values


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():  # a number typed into Excel
        value = int(value)
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, datetime):  # Excel keeps local times, without a zone
        return value
    return "" if value is None else str(value)


def _entries(lines: Iterable[tuple[int, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for n, raw in lines:
        given = {k: raw.get(k) or "" for k in CSV_COLUMNS}
        given = {k: v.strip() if isinstance(v, str) else v for k, v in given.items()}
        try:
            rows.append(entry_row(**given))
        except ValueError as exc:
            raise ValueError(f"line {n}: {exc}") from None
    return rows


def entry_row(
    phone: str,
    prefix: str | bool = "",
    source_system: str = "",
    categories: str = "",
    reason: str = "",
    expire_at: str | datetime | None = "",
    service_number: str = "",
) -> dict[str, Any]:
    """A checked ``sms_blacklist`` row to insert."""
    is_prefix = str(prefix).strip().lower() in ("1", "true", "yes", "y")
    if is_prefix and not (phone.isdigit() and 3 <= len(phone) <= 11):
        raise ValueError(f"prefix {phone!r} is not 3 to 11 digits")
    service_number = str(service_number).strip()
    if service_number and not (service_number.isdigit() and len(service_number) <= 21):
        raise ValueError(f"service number {service_number!r} is not up to 21 digits")
    number = phone if is_prefix else phones.normalise(phone)
    scope = sorted({c.strip() for c in categories.split(",") if c.strip()})
    if set(scope) - CATEGORIES:
        raise ValueError(f"unknown categories {sorted(set(scope) - CATEGORIES)}")
    if isinstance(expire_at, str):
        expire_at = datetime.fromisoformat(expire_at) if expire_at else None
    if expire_at is not None:
        expire_at = expire_at.astimezone()  # a time without a zone is local
    return {
        "phone": number,
        "prefix": int(is_prefix),
        "source_system": source_system or None,
        "service_number": service_number or None,
        "categories": ",".join(scope) or None,
        "reason": reason or None,
        "inbox_id": None,
        "expire_at": expire_at,
    }


def write_csv(rows: Sequence[Mapping[str, Any]], out: IO[str]) -> None:
    """Every entry, its times in local time with their offset (read back the same)."""
    writer = csv.DictWriter(out, EXPORT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _shown(k, row.get(k), aware=True) for k in EXPORT_COLUMNS})


def write_file(rows: Sequence[Mapping[str, Any]], path: Path) -> None:
    """Every entry to an Excel workbook (``.xlsx``: times in local time, as Excel keeps
    them) or else a CSV file Excel opens as UTF-8; both read back by :func:`read_file`."""
    if path.suffix.lower() != ".xlsx":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            write_csv(rows, out)
        return
    from openpyxl import Workbook  # only for Excel files: it takes 0.3 s to import

    book = Workbook(write_only=True)
    sheet = book.create_sheet("blacklist")
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append([_shown(k, row.get(k), aware=False) for k in EXPORT_COLUMNS])
    book.save(path)


def _shown(key: str, value: Any, aware: bool) -> Any:
    """A stored value as a file holds it: a time in local time (stored as UTC, as text in
    SQLite and without a zone in MySQL), with its offset in CSV, without one in Excel."""
    if value is None or value == "":
        return ""
    if key not in _TIMES:
        return value
    when = utc_time(value).astimezone()  # type: ignore[union-attr]
    return when.isoformat(sep=" ", timespec="seconds") if aware else when.replace(tzinfo=None)
