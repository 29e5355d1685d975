"""The dashboard's rates and the last hour's chart, from the engines' ``/metrics`` (read in
process under ``hisms run``, scraped from ``[monitoring] endpoints`` by ``hisms console``):
counters the engines keep, never a scan of the outbox."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Protocol

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hisms.monitoring.metrics import Metrics
from hisms.monitoring.top import fetch

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Reading:
    """The engines' counters and gauges at one moment, summed over engines and channels."""

    at: float  # monotonic seconds
    accepted: float = 0.0  # parts the gateways accepted
    delivered: float = 0.0  # delivery reports DELIVRD
    undelivered: float = 0.0  # other delivery reports
    backlog: float = 0.0  # due PENDING rows, every lane
    oldest: float = 0.0  # seconds the oldest due row has waited
    errors: int = 0  # endpoints that did not answer


@dataclass(frozen=True, slots=True)
class Point:
    at: float  # wall-clock seconds
    send_rate: float  # parts accepted by the gateways per second
    success: float | None  # delivered reports in percent of the reports of the interval
    backlog: float
    oldest: float


def read(pages: Iterable[str], at: float, errors: int = 0) -> Reading:
    """A Reading of ``/metrics`` pages (Prometheus text)."""
    sums = {"accepted": 0.0, "delivered": 0.0, "undelivered": 0.0}
    oldest = backlog = 0.0
    for page in pages:
        lanes = 0.0  # every engine counts the same queue: the largest count, not their sum
        for family in text_string_to_metric_families(page):
            for s in family.samples:
                if s.name == "hisms_parts_total" and s.labels.get("outcome") == "accepted":
                    sums["accepted"] += s.value
                elif s.name == "hisms_reports_total":
                    sums[s.labels["result"]] += s.value
                elif s.name == "hisms_backlog_rows":
                    lanes += s.value
                elif s.name == "hisms_oldest_pending_seconds":
                    oldest = max(oldest, s.value)
        backlog = max(backlog, lanes)
    return Reading(at, oldest=oldest, backlog=backlog, errors=errors, **sums)


def in_process(metrics: Metrics) -> Callable[[], Reading]:
    """Read the engine's own registry (no HTTP)."""
    return lambda: read([generate_latest(metrics.registry).decode()], time.monotonic())


def scraped(endpoints: list[str]) -> Callable[[], Reading]:
    """Scrape the engines' ``/metrics``; one that does not answer counts in ``errors``."""

    def reading() -> Reading:
        pages, errors = [], 0
        for endpoint in endpoints:
            try:
                pages.append(fetch(endpoint))
            except OSError:
                errors += 1
        return read(pages, time.monotonic(), errors)

    return reading


class Samples(Protocol):
    """What the dashboard reads: a :class:`Sampler` or another process's (:class:`Published`)."""

    @property
    def points(self) -> Sequence[Point]: ...

    @property
    def unanswered(self) -> int: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class Sampler:
    """One reading every ``every`` seconds while the console runs; an hour of points.
    With ``publish``, each new hour is also written to that file for the other worker
    processes of ``hisms console --workers N`` (:class:`Published`)."""

    def __init__(
        self, reading: Callable[[], Reading], every: float, publish: Path | None = None
    ) -> None:
        self._reading = reading
        self._every = every
        self._publish = publish
        self.points: deque[Point] = deque(maxlen=int(HOUR / every) + 1)
        self.last: Reading | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def unanswered(self) -> int:
        """Endpoints whose /metrics did not answer at the last reading."""
        return self.last.errors if self.last else 0

    def start(self) -> None:
        """Started by the first dashboard request (the console has no lifespan of its own)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            now = await asyncio.to_thread(self._reading)
            self.add(now, time.time())
            if self._publish is not None:
                write(self._publish, self.points, self.unanswered)
            await asyncio.sleep(self._every)

    def add(self, now: Reading, wall: float) -> None:
        before, self.last = self.last, now
        if before is None or now.at <= before.at:
            return
        seconds = now.at - before.at
        delivered = now.delivered - before.delivered
        reports = delivered + now.undelivered - before.undelivered
        self.points.append(
            Point(
                at=wall,
                send_rate=max(now.accepted - before.accepted, 0) / seconds,
                success=100 * delivered / reports if reports > 0 else None,
                backlog=now.backlog,
                oldest=now.oldest,
            )
        )


class Published:
    """The hour another process's :class:`Sampler` publishes, read again when the file
    changes: every worker draws the same chart, however long it has run."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: tuple[int, int] | None = None
        self._points: list[Point] = []
        self._unanswered = 0

    @property
    def points(self) -> list[Point]:
        self._refresh()
        return self._points

    @property
    def unanswered(self) -> int:
        self._refresh()
        return self._unanswered

    def start(self) -> None:
        """Nothing to start: the publishing process samples."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def _refresh(self) -> None:
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return  # no sample yet
        if (stat.st_mtime_ns, stat.st_size) != self._seen:
            self._seen = (stat.st_mtime_ns, stat.st_size)
            self._points, self._unanswered = load(self._path)


def write(path: Path, points: Iterable[Point], unanswered: int) -> None:
    """The hour as JSON, replaced whole (a reader never sees half a file)."""
    body = {"unanswered": unanswered, "points": [astuple(p) for p in points]}
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(body))
    partial.replace(path)


def load(path: Path) -> tuple[list[Point], int]:
    body = json.loads(path.read_text())
    return [Point(*p) for p in body["points"]], int(body["unanswered"])
