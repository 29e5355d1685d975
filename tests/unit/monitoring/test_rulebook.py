"""Alarm rules' thresholds: the configuration overlaid by sms_alarm_rule rows."""

from __future__ import annotations

import json

import pytest

from hisms.monitoring.alarms import Event, Tracker
from hisms.monitoring.rulebook import KEYS, Book, assign, seed_rows
from hisms.monitoring.rules import RULES, Condition
from hisms.monitoring.settings import AlarmConfig

CFG = AlarmConfig(backlog_above=1000, repeat_seconds=600)


def test_every_rule_has_its_keys_and_the_seed_holds_the_configuration() -> None:
    assert set(KEYS) == {rule.__name__ for rule in RULES}
    rows = {r["name"]: r for r in seed_rows(CFG)}
    assert json.loads(rows["backlog"]["thresholds"]) == {"backlog_above": 1000}
    assert rows["backlog"]["enabled"] == 1 and rows["backlog"]["repeat_seconds"] == 600
    assert Book(CFG, rows.values()).configs == Book(CFG).configs


def test_a_row_overrides_its_rule_only() -> None:
    row = assign(CFG, "backlog", None, {"backlog_above": "5", "repeat_seconds": "30"})
    off = assign(CFG, "push_failing", None, {"enabled": "off"})
    book = Book(CFG, [row, off])
    assert book.configs["backlog"].backlog_above == 5
    assert book.configs["channel_down"].backlog_above == 1000
    assert "push_failing" not in book.configs
    assert book.repeats["backlog"] == 30 and book.repeats["channel_down"] == 600


def test_a_wider_window_keeps_more_history() -> None:
    row = assign(CFG, "submit_success", None, {"success_window_minutes": "120"})
    assert Book(CFG, [row]).keep_seconds() == 60 + 60 * (120 + CFG.report_wait_minutes)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"backlog_above": "-1"}, "backlog_above"),
        ({"channel_down_seconds": "5"}, "has no 'channel_down_seconds'"),
        ({"enabled": "maybe"}, "true or false"),
        ({"repeat_seconds": "0"}, "repeat_seconds"),
    ],
)
def test_wrong_values_are_refused(values: dict[str, str], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        assign(CFG, "backlog", None, values)


def test_a_broken_row_leaves_the_configuration_in_force() -> None:
    bad = {"name": "backlog", "enabled": 1, "thresholds": "{not json", "repeat_seconds": 5}
    wrong = {"name": "urgent_pending", "enabled": 0, "thresholds": '{"x": 1}', "repeat_seconds": 5}
    book = Book(CFG, [bad, wrong])
    assert book.configs["backlog"].backlog_above == 1000 and "urgent_pending" in book.configs


def test_each_alarm_repeats_at_its_own_interval() -> None:
    tracker = Tracker(repeat_seconds=600, clear_after_seconds=20)
    tracker.repeats = {"backlog": 30}
    backlog, down = Condition("backlog", "bulk", "x"), Condition("channel_down", "cmcc", "y")
    tracker.update([backlog, down], 0)
    assert tracker.update([backlog, down], 31) == [(Event.REPEATED, backlog)]
