"""Report periods in the hospital's time zone: a day, an ISO week (Monday first) or a
calendar month, each named by its first day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Period = Literal["day", "week", "month"]


def start_of(day: date, period: Period) -> date:
    """The first day of the period ``day`` falls in."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def label(start: date, period: Period) -> str:
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d} ({start.isoformat()})"
    if period == "month":
        return start.strftime("%Y-%m")
    return start.isoformat()


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def utc_bounds(since: date, until: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants local days [since, until) begin and end, in UTC."""
    return _midnight(since, zone), _midnight(until, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
