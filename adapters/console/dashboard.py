"""The dashboard: rates from the engines' counters, backlog and its age from index seeks,
each channel's link state and health, the active alarms; refreshed by htmx polling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hisms.adapters.console import daychart
from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, page
from hisms.engine.store.base import BULK, URGENT, Store

BACKLOG_CAP = 100_000  # counted up to this many rows (an index seek, not a count of all)
ACTIVE = {"RAISED", "REPEATED"}
T = TypeVar("T")


@page("read")
async def index(console: Console, request: Request, user: User) -> Response:
    console.sampler.start()
    return console.render(request, "dashboard.html", user=user, refresh=console.cfg.refresh_seconds,
                          zone=console.zone)  # fmt: skip


@page("read")
async def live(console: Console, request: Request, user: User) -> Response:
    console.sampler.start()
    shared = console.cache.setdefault("figures", _Shared(1.0, lambda c: _figures(c.store)))
    figures = await shared.get(console)
    points = console.sampler.points
    latest = points[-1] if points else None
    unanswered = console.sampler.last.errors if console.sampler.last else 0
    return console.render(request, "dashboard_live.html", user=user, latest=latest,
                          unanswered=unanswered, **figures)  # fmt: skip


@page("read")
async def series(console: Console, request: Request, user: User) -> Response:
    """The last hour for the chart, as uPlot's columns."""
    points = list(console.sampler.points)
    return JSONResponse(
        [
            [p.at for p in points],
            [round(p.send_rate, 2) for p in points],
            [None if p.success is None else round(p.success, 1) for p in points],
            [p.backlog for p in points],
        ]
    )


@page("read")
async def day(console: Console, request: Request, user: User) -> Response:
    """The last 24 hours for the day chart, from the rollup, as uPlot's columns."""
    shared = console.cache.setdefault("day", _Shared(DAY_SECONDS, _day))
    return JSONResponse(await shared.get(console))


DAY_SECONDS = 5.0  # the day chart's figures, read at most this often for every user


def _day(console: Console) -> list[list[int]]:
    return daychart.read(console.store, console.zone, datetime.now(UTC))


class _Shared(Generic[T]):
    """Figures the same for every user: read at most once every ``seconds``, however many
    dashboards are open (2,500 users refreshing every 5 s would be 1,000 reads a second)."""

    def __init__(self, seconds: float, read: Callable[[Console], T]) -> None:
        self._seconds = seconds
        self._read = read
        self._at = -seconds
        self._figures: T | None = None
        self._lock: asyncio.Lock | None = None

    async def get(self, console: Console) -> T:
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:  # the others wait for the one reading
            if self._figures is None or time.monotonic() - self._at >= self._seconds:
                self._figures = await console.db(self._read, console)
                self._at = time.monotonic()
        return self._figures


def _figures(store: Store) -> dict[str, Any]:
    urgent_age, urgent_rows = store.pending_head(URGENT, BACKLOG_CAP)
    age, rows = store.pending_head(BULK, BACKLOG_CAP)
    modes = {m["channel"]: m for m in store.channel_modes()}
    since = datetime.now(UTC) - timedelta(days=1)
    return {
        "backlog": rows,
        "backlog_capped": rows >= BACKLOG_CAP,
        "backlog_age": age,
        "urgent": urgent_rows,
        "urgent_age": urgent_age,
        "channels": store.channel_states(),
        "modes": modes,
        "alarms": active_alarms(store.recent_alarms(since, 500)),
    }


def active_alarms(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of events newest first, the last of each (alarm, subject) when it is not cleared."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        if event["event"] in ACTIVE | {"CLEARED"}:
            latest.setdefault((event["alarm"], event["subject"]), event)
    return [e for e in latest.values() if e["event"] in ACTIVE]
