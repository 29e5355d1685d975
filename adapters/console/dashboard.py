"""The dashboard: rates from the engines' counters, backlog and its age from index seeks,
each channel's link state and health, the active alarms; refreshed by htmx polling."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hisms.adapters.console import daychart
from hisms.adapters.console.sampler import Point
from hisms.adapters.console.shared import Shared
from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, page
from hisms.engine.store.base import BULK, URGENT, Store

BACKLOG_CAP = 100_000  # counted up to this many rows (an index seek, not a count of all)
ACTIVE = {"RAISED", "REPEATED"}


FRAGMENT_SECONDS = 1.0  # a scope's live part is rendered again after this
NO_STORE = {"Cache-Control": "no-store"}


@page("read")
async def index(console: Console, request: Request, user: User) -> Response:
    console.sampler.start()
    return console.render(request, "dashboard.html", user=user, refresh=console.cfg.refresh_seconds,
                          zone=console.zone)  # fmt: skip


@page("read")
async def live(console: Console, request: Request, user: User) -> Response:
    """The live part: rendered once a second per department scope and shared by every
    session of that scope, never by a session of another."""
    console.sampler.start()
    fragments: Shared[bytes] = console.cache.setdefault("fragments", Shared(FRAGMENT_SECONDS))
    html = await fragments.get(user.scope, lambda: _fragment(console, user.scope))
    return Response(html, media_type="text/html; charset=utf-8", headers=NO_STORE)


@page("read")
async def series(console: Console, request: Request, user: User) -> Response:
    """The last hour for the chart, as uPlot's columns (fetched when the page loads; the
    live part carries each newer point)."""
    points = list(console.sampler.points)
    body = [
        [p.at for p in points],
        [round(p.send_rate, 2) for p in points],
        [None if p.success is None else round(p.success, 1) for p in points],
        [p.backlog for p in points],
    ]
    return JSONResponse(body, headers=NO_STORE)


@page("read")
async def day(console: Console, request: Request, user: User) -> Response:
    """The last 24 hours for the day chart, from the rollup, as uPlot's columns."""
    shared: Shared[list[list[int]]] = console.cache.setdefault("day", Shared(DAY_SECONDS))
    return JSONResponse(await shared.get("day", lambda: console.db(_day, console)),
                        headers=NO_STORE)  # fmt: skip


DAY_SECONDS = 5.0  # the day chart's figures, read at most this often for every user


def _day(console: Console) -> list[list[int]]:
    return daychart.read(console.store, console.zone, datetime.now(UTC))


async def _fragment(console: Console, scope: str | None) -> bytes:
    # The database's figures once per refresh interval, whatever the number of scopes
    every = console.cfg.refresh_seconds
    shared: Shared[dict[str, Any]] = console.cache.setdefault("figures", Shared(every))
    figures = await shared.get("figures", lambda: console.db(_figures, console.store))
    points = console.sampler.points
    latest = points[-1] if points else None
    template = console.env.get_template("dashboard_live.html")
    html = template.render(scope=scope, latest=latest, point=_point(latest),
                           unanswered=console.sampler.unanswered, **figures)  # fmt: skip
    return html.encode()


def _point(point: Point | None) -> str:
    """The newest sample as the chart's columns, for dashboard.js to append."""
    if point is None:
        return ""
    success = None if point.success is None else round(point.success, 1)
    return json.dumps([point.at, round(point.send_rate, 2), success, point.backlog])


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
