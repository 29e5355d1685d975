"""Alarm rules over a view of the engine, and the raise / repeat / clear lifecycle."""

from __future__ import annotations

from hisms.engine.health import State
from hisms.monitoring.alarms import Event, Tracker
from hisms.monitoring.rulebook import Book
from hisms.monitoring.rules import Condition, History, View, evaluate
from hisms.monitoring.settings import AlarmConfig
from hisms.monitoring.standings import ChannelView

CFG = AlarmConfig(channel_down_seconds=30, min_parts=10, database_down_seconds=5)


def _channel(name: str, state: State = State.UP, seconds: float = 500.0) -> ChannelView:
    reason = "link down: connection refused" if state is State.DOWN else ""
    return ChannelView(name, state, reason, state in (State.UP, State.DEGRADED), seconds)


UP = {n: _channel(n) for n in ("cmcc", "backup")}


def _view(now: float = 1000.0, **changes: object) -> View:
    view = View(
        now=now,
        channels=UP,
        serving=lambda operator: ["cmcc", "backup"] if operator == "mobile" else [],
        traffic={},
        history=History(3600),
        database_up=True,
        database_down_for=0.0,
        database_error="",
    )
    for name, value in changes.items():
        setattr(view, name, value)
    return view


def _alarms(view: View) -> list[tuple[str, str]]:
    return [(c.alarm, c.subject) for c in evaluate(view, Book(CFG).configs)]


def test_a_healthy_engine_raises_nothing() -> None:
    assert _alarms(_view()) == []


def test_a_channel_down_longer_than_its_threshold_and_its_operator() -> None:
    recent = {**UP, "cmcc": _channel("cmcc", State.DOWN, 20)}
    assert _alarms(_view(channels=recent)) == []  # down for 20 s only
    old = {**UP, "cmcc": _channel("cmcc", State.DOWN, 100)}
    (condition,) = evaluate(_view(channels=old), Book(CFG).configs)
    assert condition.avoid == ("cmcc",) and "DOWN for 100s: link down" in condition.text
    disabled = {**UP, "cmcc": _channel("cmcc", State.DISABLED, 100)}
    assert _alarms(_view(channels=disabled)) == []  # an operator's choice, not a fault
    both = {**old, "backup": _channel("backup", State.DISABLED, 100)}
    traffic = {"mobile": 990.0}
    assert _alarms(_view(channels=both, traffic=traffic)) == [
        ("channel_down", "cmcc"),
        ("operator_down", "mobile"),
    ]
    assert _alarms(_view(channels=both)) == [("channel_down", "cmcc")]  # no traffic for it


def test_success_rates_over_the_window() -> None:
    history = History(3600)
    history.add(100.0, {})
    history.add(900.0, {("parts", "cmcc", "accepted"): 5, ("parts", "cmcc", "retry"): 5})
    history.add(1000.0, {
        ("parts", "cmcc", "accepted"): 15, ("parts", "cmcc", "retry"): 15,
        ("reports", "cmcc", "delivered"): 2, ("reports", "cmcc", "undelivered"): 10,
    })  # fmt: skip
    assert _alarms(_view(history=history)) == [
        ("submit_success", "cmcc"),  # 50% of 30 parts in the last 10 minutes
        ("report_success", "cmcc"),  # 2 of 12 delivered
    ]


def test_report_return_compares_reports_with_parts_sent_one_wait_earlier() -> None:
    history = History(3600)
    history.add(0.0, {})
    history.add(400.0, {("parts", "cmcc", "accepted"): 100})
    history.add(1000.0, {("parts", "cmcc", "accepted"): 100, ("reports", "cmcc", "delivered"): 90})
    cfg = CFG.model_copy(update={"report_wait_minutes": 5, "success_window_minutes": 10})
    (condition,) = evaluate(_view(history=history), Book(cfg).configs)
    assert condition.alarm == "report_return" and "90 reports for 100 parts" in condition.text


def test_pending_backlog_database_push_and_lost_engines() -> None:
    history = History(3600)
    history.add(900.0, {})
    history.add(1000.0, {("events", "push_failed"): 3, ("events", "reclaimed"): 7})
    view = _view(
        pending={"urgent": (300.0, 2), "bulk": (400.0, 60_000)},
        database_up=False,
        database_down_for=6.0,
        database_error="connection refused",
        history=history,
    )
    assert _alarms(view) == [
        ("urgent_pending", "urgent"),
        ("backlog", "bulk"),
        ("push_failing", ""),
        ("database_down", ""),
        ("engine_lost", ""),
    ]


def test_raised_once_repeated_while_it_lasts_cleared_after_a_quiet_spell() -> None:
    tracker = Tracker(repeat_seconds=60, clear_after_seconds=20)
    down = Condition("channel_down", "cmcc", "down")
    assert tracker.update([down], 0) == [(Event.RAISED, down)]
    assert tracker.update([down], 30) == []
    assert tracker.update([], 35) == []  # flapping: back up briefly...
    assert tracker.update([down], 45) == []  # ...and down again: still the same alarm
    assert tracker.update([down], 61) == [(Event.REPEATED, down)]
    assert tracker.update([], 70) == []
    assert tracker.update([], 89) == []
    assert tracker.update([], 90) == [(Event.CLEARED, down)]
    assert tracker.update([down], 95) == [(Event.RAISED, down)]
