"""Alarm lifecycles: conditions that come and go become RAISED, REPEATED, CLEARED events.

An alarm is raised the first time its condition holds (each rule has its own "for
how long" threshold), repeated every ``repeat_seconds`` while it lasts, and
cleared once its condition has been false for ``clear_after_seconds``: a channel
that flaps stays one alarm instead of a notification per flap.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from hisms.monitoring.rules import Condition


class Event(enum.Enum):
    RAISED = "RAISED"
    REPEATED = "REPEATED"
    CLEARED = "CLEARED"


@dataclass(slots=True)
class _Open:
    condition: Condition
    notified_at: float
    false_since: float | None = None


class Tracker:
    def __init__(self, repeat_seconds: float, clear_after_seconds: float) -> None:
        self._repeat = repeat_seconds
        self._clear_after = clear_after_seconds
        self.open: dict[str, _Open] = {}
        self.repeats: dict[str, float] = {}  # by alarm, over repeat_seconds (sms_alarm_rule)

    def update(self, holding: Sequence[Condition], now: float) -> list[tuple[Event, Condition]]:
        """The events of this evaluation, given the conditions that hold ``now``."""
        events: list[tuple[Event, Condition]] = []
        current = {c.key: c for c in holding}
        for key, condition in current.items():
            alarm = self.open.get(key)
            if alarm is None:
                self.open[key] = _Open(condition, now)
                events.append((Event.RAISED, condition))
                continue
            alarm.condition, alarm.false_since = condition, None
            if now - alarm.notified_at >= self.repeats.get(condition.alarm, self._repeat):
                alarm.notified_at = now
                events.append((Event.REPEATED, condition))
        for key, alarm in list(self.open.items()):
            if key in current:
                continue
            if alarm.false_since is None:
                alarm.false_since = now
            if now - alarm.false_since >= self._clear_after:
                del self.open[key]
                events.append((Event.CLEARED, alarm.condition))
        return events
