"""The dashboard's day chart: the last 24 hours of final messages per hour, delivered, failed
and other final (expired, rejected, voided, unknown), from the rollup the engines keep
(``sms_rollup``, by the hour of ``created_at``): never a scan of the outbox. The current
hour is as far as the rollup has got (the engines add final messages every
``billing.rollup_every_seconds``); messages not final yet are in no bar."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hisms.engine.reports.rollup import utc
from hisms.engine.status import Status
from hisms.engine.store.base import Store

HOURS = 24
KINDS = {Status.DELIVERED: 0, Status.FAILED: 1}  # column of each status; the rest: 2


def series(rows: Iterable[Mapping[str, Any]], now: datetime) -> list[list[int]]:
    """uPlot's columns: the start of each of the last 24 hours (epoch seconds, the current
    one last), then messages delivered, failed and other final in each."""
    last = utc(now).replace(minute=0, second=0, microsecond=0)
    starts = [last - timedelta(hours=HOURS - 1 - i) for i in range(HOURS)]
    index = {start: i for i, start in enumerate(starts)}
    counts = [[0] * HOURS for _ in range(3)]
    for r in rows:
        i = index.get(utc(r["hour"]))
        if i is not None:
            counts[KINDS.get(Status(int(r["status"])), 2)][i] += int(r["messages"])
    return [[int(s.timestamp()) for s in starts], *counts]


def read(store: Store, zone: str, now: datetime) -> list[list[int]]:
    """The series from the rollup rows of the local days the last 24 hours touch."""
    first = (utc(now) - timedelta(hours=HOURS)).astimezone(ZoneInfo(zone)).date()
    return series(store.rollup_hours(first), now)
