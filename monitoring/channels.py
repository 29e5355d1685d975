"""What the channels show at scrape time: link states, windows, queues, session counters,
and the HTTP carriers' requests in flight, unreported parts and counters.

Read from the carriers and the engine's channel health when ``/metrics`` is asked,
on the engine's event loop (the carriers' state is not thread-safe). A carrier
without the shared session (loopback) shows only its channel state.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import fields

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hisms.carrier.base import Carrier
from hisms.carrier.httpapi.carrier import HttpCarrier, HttpStats
from hisms.carrier.session import SessionCarrier, SessionStats
from hisms.engine.channels import Channels
from hisms.engine.health import State
from hisms.monitoring import standings
from hisms.monitoring.metrics import Metrics

_STATS_HELP = {
    "sent": "submit PDUs written, resends included",
    "accepted": "parts the gateway accepted",
    "failed": "parts the gateway refused",
    "retried": "parts handed back to the engine as RETRY",
    "resent": "parts submitted again after a lost answer or a dropped link",
    "throttled": "flow-control answers",
    "late_answers": "answers to sequences no longer in flight",
    "logins": "login attempts",
    "login_failures": "refused or failed logins",
    "drops": "bound links lost",
}

_HTTP_HELP = {
    "requests": "requests sent to the provider, throttled ones sent again included",
    "accepted": "parts the provider accepted",
    "failed": "parts the provider refused for good",
    "retried": "parts handed back to the engine as RETRY",
    "throttled": "throttled answers",
    "refused_key": "answers refusing the channel's key or signature",
    "pushes": "reports and replies the provider pushed",
    "polled": "reports and replies polled from the provider",
}
assert set(_HTTP_HELP) == {f.name for f in fields(HttpStats)}


class ChannelCollector(Collector):
    def __init__(
        self,
        metrics: Metrics,
        carriers: Mapping[str, Carrier],
        channels: Channels,
    ) -> None:
        self._metrics = metrics
        self._carriers = carriers
        self._channels = channels

    def collect(self) -> Iterator[Metric]:
        worker = self._metrics.worker
        up = _gauge("hisms_channel_up", "1 while the channel is UP or DEGRADED", "channel")
        state = _gauge("hisms_channel_state", "1 for the channel's state", "channel", "state")
        takes = _gauge(
            "hisms_channel_takes_traffic",
            "1 while routing gives it traffic (on a standby engine: the holders' routing)",
            "channel",
        )
        for name, view in standings.read(self._channels).items():
            up.add_metric([worker, name], 1 if view.up else 0)
            takes.add_metric([worker, name], 1 if view.takes_new else 0)
            for each in State:
                state.add_metric([worker, name, str(each)], 1 if view.state is each else 0)
        yield from (up, state, takes)
        yield from self._sessions(worker)
        yield from self._http(worker)
        yield self._report_ratio(worker)

    def _sessions(self, worker: str) -> Iterator[Metric]:
        sessions = {
            n: c.session for n, c in self._carriers.items() if isinstance(c, SessionCarrier)
        }
        link_up = _gauge("hisms_link_up", "1 while the connection is logged in", "channel", "link")
        used = _gauge("hisms_window_used", "submits awaiting an answer", "channel", "link")
        size = _gauge("hisms_window_size", "the window of each connection", "channel")
        queued = _gauge("hisms_channel_queue", "parts waiting for a link", "channel")
        counters = {
            field: CounterMetricFamily(f"hisms_channel_{field}", text, labels=["worker", "channel"])
            for field, text in _STATS_HELP.items()
        }
        for name, session in sessions.items():
            for link in session.links:
                link_up.add_metric([worker, name, link.label], 1 if link.bound else 0)
                used.add_metric([worker, name, link.label], link.in_flight)
            size.add_metric([worker, name], session.settings.window)
            queued.add_metric([worker, name], len(session.queue))
            _add_stats(counters, worker, name, session.stats)
        yield from (link_up, used, size, queued, *counters.values())

    def _http(self, worker: str) -> Iterator[Metric]:
        carriers = {n: c for n, c in self._carriers.items() if isinstance(c, HttpCarrier)}
        in_flight = _gauge("hisms_http_in_flight", "requests awaiting an answer", "channel")
        unreported = _gauge(
            "hisms_http_unreported", "accepted parts without a report, polled when due", "channel"
        )
        counters = {
            field: CounterMetricFamily(f"hisms_http_{field}", text, labels=["worker", "channel"])
            for field, text in _HTTP_HELP.items()
        }
        for name, carrier in carriers.items():
            in_flight.add_metric([worker, name], carrier.gate.busy)
            unreported.add_metric([worker, name], len(carrier.pending))
            for field, family in counters.items():
                family.add_metric([worker, name], getattr(carrier.stats, field))
        yield from (in_flight, unreported, *counters.values())

    def _report_ratio(self, worker: str) -> Metric:
        ratio = _gauge(
            "hisms_report_success_ratio",
            "delivered / all delivery reports since the engine started",
            "channel",
            "operator",
        )
        totals: dict[tuple[str, str], list[int]] = {}
        for (channel, operator, result), n in self._metrics.reports.items():
            pair = totals.setdefault((channel, operator), [0, 0])
            pair[0] += n if result == "delivered" else 0
            pair[1] += n
        for (channel, operator), (delivered, total) in totals.items():
            ratio.add_metric([worker, channel, operator], delivered / total)
        return ratio


def _gauge(name: str, text: str, *labels: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, labels=["worker", *labels])


def _add_stats(
    counters: dict[str, CounterMetricFamily], worker: str, channel: str, stats: SessionStats
) -> None:
    for field, family in counters.items():
        family.add_metric([worker, channel], getattr(stats, field))
