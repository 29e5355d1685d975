"""The engine's Prometheus metrics: counters kept by the running engine, not table scans.

Each engine has its own registry and labels every sample with its worker id, so a
Prometheus scraping several engines adds them up without one reading what another
sends. Counters are thread-safe: the WebService and the platform push (threads)
count into the same object as the engine's event loop.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Submit latency: from handing a part to its channel to the gateway's answer (queueing in
# the channel included), so a full window or a throttled gateway shows here.
SUBMIT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """Named counting methods over the registry; every sample carries ``worker``."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self._children: dict[tuple[Any, ...], Any] = {}
        # Parts by (channel, outcome) and reports by (channel, operator, result), in plain
        # numbers for the success ratios and the alarms' windows.
        self.parts: Tally[tuple[str, str]] = Tally()
        self.reports: Tally[tuple[str, str, str]] = Tally()
        self.events: Tally[str] = Tally()  # rows reclaimed, events pushed, push failures
        self.traffic: dict[str, float] = {}  # operator -> when a message for it was last sent
        self.registry = CollectorRegistry()
        r = self.registry
        w = ["worker"]
        self._claims = Counter("hisms_claims", "claims returning rows", [*w, "lane"], registry=r)
        self._claimed = Counter("hisms_claimed_rows", "rows claimed", [*w, "lane"], registry=r)
        self._messages = Counter(
            "hisms_messages",
            "messages written back, by lane and resulting status (submitted, failed, rejected, "
            "expired; retry = rescheduled)",
            [*w, "lane", "status"],
            registry=r,
        )
        self._parts = Counter(
            "hisms_parts", "message parts by the gateway's answer", [*w, "channel", "outcome"],
            registry=r,
        )  # fmt: skip
        self._submit_seconds = Histogram(
            "hisms_submit_seconds",
            "from handing a part to its channel to the gateway's answer",
            [*w, "channel"],
            buckets=SUBMIT_BUCKETS,
            registry=r,
        )
        self._reports = Counter(
            "hisms_reports",
            "delivery reports stored, by channel, the number's operator and result",
            [*w, "channel", "operator", "result"],
            registry=r,
        )
        self._mo = Counter("hisms_mo_received", "replies (MO) stored", [*w, "channel"], registry=r)
        self._reclaimed = Counter(
            "hisms_reclaimed_rows",
            "rows of dead workers put back to PENDING (back) or failed after max_attempts",
            [*w, "result"],
            registry=r,
        )
        self._pushed = Counter(
            "hisms_push_events", "results pushed to the platform", [*w, "source"], registry=r
        )
        self._push_failures = Counter(
            "hisms_push_failures", "failed platform pushes", [*w, "source"], registry=r
        )
        self._push_lag = Gauge(
            "hisms_push_lag_seconds",
            "age of the last event pushed to the platform when it was pushed",
            [*w, "source"],
            registry=r,
        )
        self._ws_requests = Counter(
            "hisms_webservice_requests",
            "WebService requests by operation and fault code (ok = no fault)",
            [*w, "operation", "code"],
            registry=r,
        )
        self._ws_seconds = Histogram(
            "hisms_webservice_seconds",
            "WebService request duration",
            [*w, "operation"],
            buckets=HTTP_BUCKETS,
            registry=r,
        )
        self._pending_age = Gauge(
            "hisms_oldest_pending_seconds",
            "how long the first due PENDING row of the lane has waited (sampled on a timer)",
            [*w, "lane"],
            registry=r,
        )
        self._backlog = Gauge(
            "hisms_backlog_rows",
            "due PENDING rows of the lane, counted up to [monitoring] backlog_cap",
            [*w, "lane"],
            registry=r,
        )
        self._database_up = Gauge(
            "hisms_database_up", "1 when the last database probe answered in time", w, registry=r
        )

    def totals(self) -> dict[tuple[str, ...], int]:
        """The plain tallies in one mapping, for the alarms' windows: ("parts", channel,
        outcome), ("reports", channel, result), ("events", name)."""
        found: Tally[tuple[str, ...]] = Tally()
        for (channel, outcome), n in self.parts.items():
            found["parts", channel, outcome] += n
        for (channel, _, result), n in self.reports.items():
            found["reports", channel, result] += n
        for name, n in list(self.events.items()):
            found["events", name] += n
        return dict(found)

    # -- the engine -------------------------------------------------------------

    def claimed(self, lane: str, rows: int) -> None:
        self._claims.labels(self.worker, lane).inc()
        self._claimed.labels(self.worker, lane).inc(rows)

    def sending(self, operators: Iterable[str]) -> None:
        now = time.monotonic()
        for operator in operators:
            self.traffic[operator] = now

    def written(self, lane: str, statuses: Iterable[str]) -> None:
        for status, n in Tally(statuses).items():
            self._child(self._messages, self.worker, lane, status).inc(n)

    def part(self, channel: str, outcome: str, seconds: float) -> None:
        self.parts[channel, outcome] += 1
        self._child(self._parts, self.worker, channel, outcome).inc()
        self._child(self._submit_seconds, self.worker, channel).observe(seconds)

    def _child(self, metric: Any, *labels: str) -> Any:
        """``metric.labels(*labels)``, kept: prometheus-client's lookup is costly per part."""
        key = (id(metric), *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def report(self, channel: str, operator: str, delivered: bool) -> None:
        result = "delivered" if delivered else "undelivered"
        self.reports[channel, operator, result] += 1
        self._reports.labels(self.worker, channel, operator, result).inc()

    def mo(self, channel: str) -> None:
        self._mo.labels(self.worker, channel).inc()

    def reclaimed(self, back: int, failed: int) -> None:
        self.events["reclaimed"] += back + failed
        self._reclaimed.labels(self.worker, "back").inc(back)
        self._reclaimed.labels(self.worker, "failed").inc(failed)

    # -- sampled ------------------------------------------------------------------

    def pending(self, lane: str, oldest_seconds: float, backlog: int) -> None:
        self._pending_age.labels(self.worker, lane).set(oldest_seconds)
        self._backlog.labels(self.worker, lane).set(backlog)

    def database(self, up: bool) -> None:
        self._database_up.labels(self.worker).set(1 if up else 0)

    # -- the platform push and the WebService (threads) ------------------------------

    def pushed(self, source: str, lag_seconds: float) -> None:
        self.events["pushed"] += 1
        self._pushed.labels(self.worker, source).inc()
        self._push_lag.labels(self.worker, source).set(lag_seconds)

    def push_failed(self, source: str) -> None:
        self.events["push_failed"] += 1
        self._push_failures.labels(self.worker, source).inc()

    def request(self, operation: str, code: str, seconds: float) -> None:
        self._ws_requests.labels(self.worker, operation, code).inc()
        self._ws_seconds.labels(self.worker, operation).observe(seconds)
