"""The built-in alarm rules: pure functions of a :class:`View` of the engine, no I/O.

Each rule returns the :class:`Condition` s that hold now; :mod:`~hisms.monitoring.alarms`
turns their comings and goings into RAISED / REPEATED / CLEARED events. Rates are
taken over windows of the engine's own tallies (:class:`History`), not the tables.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hisms.engine.health import State
from hisms.monitoring.settings import AlarmConfig
from hisms.monitoring.standings import ChannelView

Totals = Mapping[tuple[str, ...], int]


@dataclass(frozen=True, slots=True)
class Condition:
    alarm: str  # the rule's name
    subject: str  # the channel, operator, lane or source; "" for the engine
    text: str  # what the engineer reads
    avoid: tuple[str, ...] = ()  # channels the alarm SMS must not go through

    @property
    def key(self) -> str:
        return f"{self.alarm}:{self.subject}"


class History:
    """The engine's tallies sampled at each evaluation, kept for the longest window."""

    def __init__(self, keep_seconds: float) -> None:
        self.keep = keep_seconds  # widened when a rule's window is (sms_alarm_rule)
        self._times: list[float] = []
        self._totals: list[Totals] = []

    def add(self, at: float, totals: Totals) -> None:
        self._times.append(at)
        self._totals.append(totals)
        drop = bisect.bisect_left(self._times, at - self.keep) - 1
        if drop > 0:
            del self._times[:drop], self._totals[:drop]

    def at(self, when: float) -> Totals:
        """The last sample taken at or before ``when`` (the first one if none was)."""
        if not self._times:
            return {}
        return self._totals[max(bisect.bisect_right(self._times, when) - 1, 0)]

    def delta(self, key: tuple[str, ...], start: float, end: float) -> int:
        return self.at(end).get(key, 0) - self.at(start).get(key, 0)


@dataclass
class View:
    """What the rules read, taken at one instant."""

    now: float  # monotonic
    channels: Mapping[str, ChannelView]  # this engine's, by name
    serving: Callable[[str], list[str]]  # the channels the routing gives an operator
    traffic: Mapping[str, float]  # operator -> monotonic time of its last message
    history: History
    database_up: bool | None
    database_down_for: float
    database_error: str
    pending: Mapping[str, tuple[float | None, int]] = field(default_factory=dict)


Rule = Callable[[View, AlarmConfig], list[Condition]]


def channel_down(v: View, cfg: AlarmConfig) -> list[Condition]:
    found = []
    for name in _down(v, cfg.channel_down_seconds):
        view = v.channels[name]
        text = f"channel {name} DOWN for {view.for_seconds:.0f}s: {view.reason}"
        found.append(Condition("channel_down", name, text, (name,)))
    return found


def operator_down(v: View, cfg: AlarmConfig) -> list[Condition]:
    """Every channel routing gives an operator with traffic takes none (DOWN, or an
    operator's DISABLED / DRAINING): its messages wait."""
    since = v.now - cfg.success_window_minutes * 60
    found = []
    for operator in sorted(op for op, at in v.traffic.items() if at >= since):
        serving = v.serving(operator)
        idle = [v.channels[n] for n in serving if not v.channels[n].takes_new]
        if (
            serving
            and len(idle) == len(serving)
            and min(c.for_seconds for c in idle) >= (cfg.channel_down_seconds)
        ):
            down = ", ".join(f"{c.name} {c.state}" for c in idle)
            text = f"every channel for {operator} takes no traffic: {down}"
            found.append(Condition("operator_down", operator, text, tuple(serving)))
    return found


def _down(v: View, seconds: float) -> list[str]:
    """Channels DOWN (not DISABLED: an operator's choice) for at least ``seconds``."""
    if not seconds:
        return []
    return [
        name
        for name, view in v.channels.items()
        if view.state is State.DOWN and view.for_seconds >= seconds
    ]


def submit_success(v: View, cfg: AlarmConfig) -> list[Condition]:
    start, found = v.now - cfg.success_window_minutes * 60, []
    for name in v.channels:
        ok = v.history.delta(("parts", name, "accepted"), start, v.now)
        bad = sum(v.history.delta(("parts", name, o), start, v.now) for o in ("retry", "failed"))
        if ok + bad >= cfg.min_parts and 100 * ok / (ok + bad) < cfg.submit_success_below:
            text = (
                f"channel {name}: {100 * ok / (ok + bad):.1f}% of {ok + bad} parts accepted in "
                f"{cfg.success_window_minutes:g} min (alarm below {cfg.submit_success_below:g}%)"
            )
            found.append(Condition("submit_success", name, text, (name,)))
    return found


def report_success(v: View, cfg: AlarmConfig) -> list[Condition]:
    start, found = v.now - cfg.success_window_minutes * 60, []
    for name in v.channels:
        good = v.history.delta(("reports", name, "delivered"), start, v.now)
        bad = v.history.delta(("reports", name, "undelivered"), start, v.now)
        if good + bad >= cfg.min_parts and 100 * good / (good + bad) < cfg.report_success_below:
            text = (
                f"channel {name}: {100 * good / (good + bad):.1f}% of {good + bad} reports "
                f"delivered in {cfg.success_window_minutes:g} min "
                f"(alarm below {cfg.report_success_below:g}%)"
            )
            found.append(Condition("report_success", name, text))
    return found


def report_return(v: View, cfg: AlarmConfig) -> list[Condition]:
    """Reports received in the window against parts accepted one report wait earlier."""
    window, wait = cfg.success_window_minutes * 60, cfg.report_wait_minutes * 60
    found = []
    for name in v.channels:
        sent = v.history.delta(("parts", name, "accepted"), v.now - wait - window, v.now - wait)
        back = sum(
            v.history.delta(("reports", name, r), v.now - window, v.now)
            for r in ("delivered", "undelivered")
        )
        if sent >= cfg.min_parts and 100 * back / sent < cfg.report_return_below:
            text = (
                f"channel {name}: {back} reports for {sent} parts accepted "
                f"({100 * back / sent:.1f}%, alarm below {cfg.report_return_below:g}%)"
            )
            found.append(Condition("report_return", name, text))
    return found


def urgent_pending(v: View, cfg: AlarmConfig) -> list[Condition]:
    waited = v.pending.get("urgent", (None, 0))[0]
    if cfg.urgent_pending_seconds and waited is not None and waited > cfg.urgent_pending_seconds:
        return [
            Condition("urgent_pending", "urgent", f"an urgent message has waited {waited:.0f}s")
        ]
    return []


def backlog(v: View, cfg: AlarmConfig) -> list[Condition]:
    due = v.pending.get("bulk", (None, 0))[1]
    if cfg.backlog_above and due > cfg.backlog_above:
        text = f"{due} messages due and waiting (alarm above {cfg.backlog_above})"
        return [Condition("backlog", "bulk", text)]
    return []


def push_failing(v: View, cfg: AlarmConfig) -> list[Condition]:
    start = v.now - cfg.success_window_minutes * 60
    failed = v.history.delta(("events", "push_failed"), start, v.now)
    if failed and not v.history.delta(("events", "pushed"), start, v.now):
        minutes = cfg.success_window_minutes
        text = f"platform push failing: {failed} failures, nothing pushed in {minutes:g} min"
        return [Condition("push_failing", "", text)]
    return []


def database_down(v: View, cfg: AlarmConfig) -> list[Condition]:
    if v.database_up is False and v.database_down_for >= cfg.database_down_seconds:
        text = f"database unreachable for {v.database_down_for:.0f}s: {v.database_error}"
        return [Condition("database_down", "", text)]
    return []


def engine_lost(v: View, cfg: AlarmConfig) -> list[Condition]:
    back = v.history.delta(("events", "reclaimed"), v.now - cfg.engine_lost_minutes * 60, v.now)
    if back:
        text = f"an engine instance was lost: {back} rows of its expired leases taken back"
        return [Condition("engine_lost", "", text)]
    return []


RULES: tuple[Rule, ...] = (
    channel_down,
    operator_down,
    submit_success,
    report_success,
    report_return,
    urgent_pending,
    backlog,
    push_failing,
    database_down,
    engine_lost,
)


def evaluate(view: View, configs: Mapping[str, AlarmConfig]) -> list[Condition]:
    """What holds now of each rule given a configuration (a rule without one is off)."""
    return [
        c for rule in RULES if rule.__name__ in configs for c in rule(view, configs[rule.__name__])
    ]
