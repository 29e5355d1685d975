"""Month arithmetic of the history: pure, in UTC (ids and partitions count UTC months)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime

_AGE = re.compile(r"^\s*(\d+)\s*(mo|m|months?|y|years?)\s*$", re.IGNORECASE)


class AgeError(ValueError):
    """An ``--older-than`` that is not a number of months or years."""


def parse_age(text: str) -> int:
    """``6mo``, ``6m``, ``6 months``, ``1y`` -> months."""
    match = _AGE.match(text)
    if not match:
        raise AgeError(f"{text!r} is not an age: write months (6mo) or years (1y)")
    count = int(match[1])
    return count * 12 if match[2].lower().startswith("y") else count


def month_start(at: datetime) -> datetime:
    """The first instant of ``at``'s UTC month."""
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def add_months(at: datetime, months: int) -> datetime:
    """``at`` moved by whole months, the day clamped to the target month's last."""
    total = at.year * 12 + at.month - 1 + months
    year, month = divmod(total, 12)
    days = calendar.monthrange(year, month + 1)[1]
    return at.replace(year=year, month=month + 1, day=min(at.day, days))


def cutoff(now: datetime, months: int) -> datetime:
    """Rows before this instant are older than ``months`` months: a month is archived only
    when it ends at or before it."""
    return add_months(now.astimezone(UTC), -months)


def label(start: datetime) -> str:
    """``2026-04``: the name a month goes by in partitions, files and manifests."""
    return f"{start.year:04d}-{start.month:02d}"
