"""``hisms top``: a live terminal view of the engines' ``/metrics``, per channel.

Reads each configured endpoint (``[monitoring] endpoints``, default this host's), so
it works over SSH on any host that reaches the engines, and never touches the
database. Rates are the difference between two scrapes.
"""

from __future__ import annotations

import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families
from rich.console import Group
from rich.table import Table

Labels = tuple[str, str]  # (worker, channel or lane)

# Per-channel counters: name in /metrics -> column
_CHANNEL_COUNTERS = {
    "hisms_channel_accepted_total": "accepted",
    "hisms_channel_failed_total": "failed",
    "hisms_channel_retried_total": "retried",
    "hisms_channel_throttled_total": "throttled",
    "hisms_channel_resent_total": "resent",
}


@dataclass
class Scrape:
    """One reading of every endpoint: what the tables need, keyed by (worker, name)."""

    at: float
    errors: dict[str, str] = field(default_factory=dict)  # endpoint -> why it did not answer
    up: dict[Labels, float] = field(default_factory=dict)
    state: dict[Labels, str] = field(default_factory=dict)  # UP, DEGRADED, DOWN, DISABLED
    links: dict[Labels, list[float]] = field(default_factory=lambda: defaultdict(list))
    used: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))
    window: dict[Labels, float] = field(default_factory=dict)
    queue: dict[Labels, float] = field(default_factory=dict)
    counters: dict[tuple[str, str, str], float] = field(default_factory=lambda: defaultdict(float))
    reports: dict[tuple[str, str, str], float] = field(default_factory=lambda: defaultdict(float))
    oldest: dict[Labels, float] = field(default_factory=dict)
    backlog: dict[Labels, float] = field(default_factory=dict)
    database: dict[str, float] = field(default_factory=dict)


def fetch(endpoint: str, timeout: float = 2.0) -> str:
    with urllib.request.urlopen(endpoint, timeout=timeout) as answer:
        return str(answer.read().decode())


def scrape(endpoints: Sequence[str]) -> Scrape:
    reading = Scrape(time.monotonic())
    for endpoint in endpoints:
        try:
            read(fetch(endpoint), reading)
        except OSError as exc:
            reading.errors[endpoint] = str(exc)
    return reading


def read(text: str, into: Scrape) -> None:
    """Add one engine's /metrics page to ``into``."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            _take(s.name, s.labels, s.value, into)


def _take(name: str, labels: dict[str, str], value: float, r: Scrape) -> None:
    worker = labels.get("worker", "")
    key = (worker, labels.get("channel") or labels.get("lane", ""))
    if name == "hisms_channel_up":
        r.up[key] = value
    elif name == "hisms_channel_state" and value:
        r.state[key] = labels["state"]
    elif name == "hisms_link_up":
        r.links[key].append(value)
    elif name == "hisms_window_used":
        r.used[key] += value
    elif name == "hisms_window_size":
        r.window[key] = value
    elif name == "hisms_channel_queue":
        r.queue[key] = value
    elif name in _CHANNEL_COUNTERS:
        r.counters[(*key, _CHANNEL_COUNTERS[name])] += value
    elif name == "hisms_reports_total":
        r.reports[(*key, labels["result"])] += value
    elif name == "hisms_oldest_pending_seconds":
        r.oldest[key] = value
    elif name == "hisms_backlog_rows":
        r.backlog[key] = value
    elif name == "hisms_database_up":
        r.database[worker] = value


def render(now: Scrape, before: Scrape | None) -> Group:
    """The channel table, the lane table and any endpoint that did not answer."""
    parts: list[Table | str] = [_channels(now, before), _lanes(now)]
    parts.extend(f"[red]{e}: {why}[/red]" for e, why in now.errors.items())
    return Group(*parts)


def _channels(now: Scrape, before: Scrape | None) -> Table:
    table = Table(title="channels", title_justify="left")
    for column in ("engine", "channel", "link", "rate/s", "window", "queue", "failed",
                   "retried", "throttled", "resent", "reports ok"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("engine", "channel") else "right")
    for key in sorted(now.up):
        links = now.links.get(key, [])
        state = _state(now.state.get(key) or ("UP" if now.up[key] else "DOWN"))
        size = now.window.get(key, 0) * max(len(links), 1)
        table.add_row(
            *key,
            f"{state} {sum(links):.0f}/{len(links)}" if links else state,
            _rate(now, before, key),
            f"{now.used.get(key, 0):.0f}/{size:.0f}" if key in now.window else "-",
            f"{now.queue.get(key, 0):.0f}",
            *(
                f"{now.counters.get((*key, c), 0):.0f}"
                for c in ("failed", "retried", "throttled", "resent")
            ),
            _success(now, key),
        )
    return table


def _state(name: str) -> str:
    style = {"UP": "green", "DEGRADED": "yellow", "DISABLED": "dim"}.get(name, "bold red")
    return f"[{style}]{name}[/{style}]"


def _rate(now: Scrape, before: Scrape | None, key: Labels) -> str:
    if before is None or now.at <= before.at:
        return "-"
    done = now.counters.get((*key, "accepted"), 0) - before.counters.get((*key, "accepted"), 0)
    return f"{max(done, 0) / (now.at - before.at):.1f}"


def _success(now: Scrape, key: Labels) -> str:
    delivered = now.reports.get((*key, "delivered"), 0)
    reports = delivered + now.reports.get((*key, "undelivered"), 0)
    return f"{100 * delivered / reports:.1f}% of {reports:.0f}" if reports else "-"


def _lanes(now: Scrape) -> Table:
    table = Table(title="backlog", title_justify="left")
    for column in ("engine", "lane", "due rows", "oldest waits", "database"):
        table.add_column(column, justify="left" if column in ("engine", "lane") else "right")
    for key in sorted(now.backlog):
        database = "[green]up[/green]" if now.database.get(key[0]) else "[bold red]DOWN[/bold red]"
        table.add_row(*key, f"{now.backlog[key]:.0f}", _age(now.oldest.get(key, 0)), database)
    return table


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def frames(endpoints: Sequence[str], interval: float) -> Iterable[Group]:
    """A frame per ``interval``; the first after two scrapes, so rates are real."""
    before = scrape(endpoints)
    while True:
        time.sleep(interval)
        now = scrape(endpoints)
        yield render(now, before)
        before = now
