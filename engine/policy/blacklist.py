"""Blacklist entries and whether one blocks a message; unsubscribe replies; CSV files.

An entry blocks a message to its number (or to any number its prefix begins) when each
scope it gives matches: the source system, the category. An entry without scope is hard:
it blocks everything, critical values too. Unsubscribing adds one scoped to the
non-transactional categories, so critical values and verification codes still arrive.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from hisms.engine import phone as phones
from hisms.engine.policy.text import folded

CSV_COLUMNS = ("phone", "prefix", "source_system", "categories", "reason", "expire_at")
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
            row["expire_at"],
        )

    def blocks(self, source_system: str, category: str, now: datetime) -> bool:
        return (
            (self.expire_at is None or self.expire_at > now)
            and self.source_system in (None, source_system)
            and (self.categories is None or category in self.categories)
        )

    def describe(self) -> str:
        """For ``error_text``: the entry's id first, as the docs promise."""
        scope = [f"source {self.source_system}"] if self.source_system else []
        scope += [f"categories {','.join(sorted(self.categories))}"] if self.categories else []
        return f"blacklist entry {self.id} ({'; '.join(scope) or 'all traffic'}): {self.reason}"


class Blacklist:
    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self._exact: dict[str, list[Entry]] = {}
        self._prefixes: dict[str, list[Entry]] = {}
        for entry in entries:
            into = self._prefixes if entry.prefix else self._exact
            into.setdefault(entry.phone, []).append(entry)
        self._lengths = sorted({len(p) for p in self._prefixes})

    def hit(self, phone: str, source_system: str, category: str, now: datetime) -> Entry | None:
        """The first entry that blocks this message, if any."""
        if not self._exact and not self._lengths:
            return None  # the usual case, checked for every message
        found = list(self._exact.get(phone, ()))
        for n in self._lengths:
            found.extend(self._prefixes.get(phone[:n], ()))
        return next((e for e in found if e.blocks(source_system, category, now)), None)


def is_unsubscribe(content: str, keywords: frozenset[str]) -> bool:
    """Whether a reply is one of the (folded) keywords: ``ＴＤ``, ``t d``, ``退订。``."""
    return folded(content) in keywords


def keywords(words: Iterable[str]) -> frozenset[str]:
    return frozenset(folded(w) for w in words)


def read_csv(lines: IO[str]) -> list[dict[str, Any]]:
    """Entries from a CSV file with a header naming :data:`CSV_COLUMNS` (phone required);
    a wrong line raises ValueError naming it."""
    rows = []
    for n, raw in enumerate(csv.DictReader(lines), start=2):
        try:
            rows.append(entry_row(**{k: (raw.get(k) or "").strip() for k in CSV_COLUMNS}))
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
) -> dict[str, Any]:
    """A checked ``sms_blacklist`` row to insert."""
    is_prefix = str(prefix).strip().lower() in ("1", "true", "yes", "y")
    if is_prefix and not (phone.isdigit() and 3 <= len(phone) <= 11):
        raise ValueError(f"prefix {phone!r} is not 3 to 11 digits")
    number = phone if is_prefix else phones.normalise(phone)
    scope = sorted({c.strip() for c in categories.split(",") if c.strip()})
    if set(scope) - CATEGORIES:
        raise ValueError(f"unknown categories {sorted(set(scope) - CATEGORIES)}")
    if isinstance(expire_at, str):
        expire_at = datetime.fromisoformat(expire_at).astimezone() if expire_at else None
    return {
        "phone": number,
        "prefix": int(is_prefix),
        "source_system": source_system or None,
        "service_number": None,
        "categories": ",".join(scope) or None,
        "reason": reason or None,
        "inbox_id": None,
        "expire_at": expire_at,
    }


def write_csv(rows: Sequence[Mapping[str, Any]], out: IO[str]) -> None:
    writer = csv.DictWriter(out, ["id", *CSV_COLUMNS, "created_at", "created_by"])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row[k] for k in writer.fieldnames})
