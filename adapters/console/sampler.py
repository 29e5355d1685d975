"""The dashboard's rates and the last hour's chart, from the engines' ``/metrics`` (read in
process under ``hisms run``, scraped from ``[monitoring] endpoints`` by ``hisms console``):
counters the engines keep, never a scan of the outbox."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import generate_latest

from hisms.monitoring.metrics import Metrics
from hisms.monitoring.top import Scrape, read, scrape

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class Point:
    at: float  # wall-clock seconds
    send_rate: float  # parts accepted by the gateways per second
    success: float | None  # delivered reports in percent of the reports of the interval
    backlog: float  # due PENDING rows, summed over engines and lanes
    oldest: float  # seconds the oldest due row has waited


def in_process(metrics: Metrics) -> Callable[[], Scrape]:
    """Read the engine's own registry (no HTTP)."""

    def reading() -> Scrape:
        into = Scrape(time.monotonic())
        read(generate_latest(metrics.registry).decode(), into)
        return into

    return reading


def scraped(endpoints: list[str]) -> Callable[[], Scrape]:
    return lambda: scrape(endpoints)


def _totals(s: Scrape) -> tuple[float, float, float]:
    accepted = sum(v for k, v in s.counters.items() if k[2] == "accepted")
    delivered = sum(v for k, v in s.reports.items() if k[2] == "delivered")
    reports = delivered + sum(v for k, v in s.reports.items() if k[2] == "undelivered")
    return accepted, delivered, reports


class Sampler:
    """One reading every ``every`` seconds while the console runs; an hour of points."""

    def __init__(self, reading: Callable[[], Scrape], every: float) -> None:
        self._reading = reading
        self._every = every
        self.points: deque[Point] = deque(maxlen=int(HOUR / every) + 1)
        self.last: Scrape | None = None
        self._task: asyncio.Task[None] | None = None

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
            await asyncio.sleep(self._every)

    def add(self, now: Scrape, wall: float) -> None:
        before, self.last = self.last, now
        if before is None or now.at <= before.at:
            return
        (a1, d1, r1), (a0, d0, r0) = _totals(now), _totals(before)
        seconds = now.at - before.at
        reports = r1 - r0
        self.points.append(
            Point(
                at=wall,
                send_rate=max(a1 - a0, 0) / seconds,
                success=100 * (d1 - d0) / reports if reports > 0 else None,
                backlog=sum(now.backlog.values()),
                oldest=max(now.oldest.values(), default=0.0),
            )
        )
