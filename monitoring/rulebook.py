"""Each alarm rule's thresholds: ``[alarms]`` of the configuration, overlaid by the rule's
``sms_alarm_rule`` row, which `hisms alarm set` (and the console) change.

A row holds whether the rule runs, the ``[alarms]`` keys the rule reads as a JSON object,
and how often a lasting alarm is notified again. The engine runs each rule with the
configuration overlaid by its row; a rule without a row keeps the configuration's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hisms.monitoring.settings import AlarmConfig

log = logging.getLogger(__name__)
Row = dict[str, Any]

# The [alarms] keys each rule reads (monitoring/rules.py), the thresholds its row holds.
KEYS: dict[str, tuple[str, ...]] = {
    "channel_down": ("channel_down_seconds",),
    "operator_down": ("channel_down_seconds", "success_window_minutes"),
    "submit_success": ("submit_success_below", "success_window_minutes", "min_parts"),
    "report_success": ("report_success_below", "success_window_minutes", "min_parts"),
    "report_return": (
        "report_return_below",
        "report_wait_minutes",
        "success_window_minutes",
        "min_parts",
    ),
    "urgent_pending": ("urgent_pending_seconds",),
    "backlog": ("backlog_above",),
    "push_failing": ("success_window_minutes",),
    "database_down": ("database_down_seconds",),
    "engine_lost": ("engine_lost_minutes",),
}


@dataclass(frozen=True, slots=True)
class Setting:
    enabled: bool
    cfg: AlarmConfig  # the configuration with the rule's thresholds
    repeat_seconds: float


class Book:
    """Every rule's setting, from the configuration and the rows of ``sms_alarm_rule``."""

    def __init__(self, cfg: AlarmConfig, rows: Iterable[Row] = ()) -> None:
        stored = {str(r["name"]): r for r in rows}
        self.settings = {name: _setting(cfg, name, stored.get(name)) for name in KEYS}

    @property
    def configs(self) -> dict[str, AlarmConfig]:
        """The enabled rules' configurations, by rule."""
        return {name: s.cfg for name, s in self.settings.items() if s.enabled}

    @property
    def repeats(self) -> dict[str, float]:
        return {name: s.repeat_seconds for name, s in self.settings.items()}

    def keep_seconds(self) -> float:
        """How far back the rules look into the engine's tallies."""
        return 60 + max(
            60 * max(c.success_window_minutes + c.report_wait_minutes, c.engine_lost_minutes)
            for c in (s.cfg for s in self.settings.values())
        )


def seed_rows(cfg: AlarmConfig) -> list[Row]:
    """One row per rule holding the configuration's thresholds (``hisms db init``)."""
    return [_row(name, True, cfg, cfg.repeat_seconds) for name in KEYS]


def assign(cfg: AlarmConfig, name: str, row: Row | None, values: Mapping[str, str]) -> Row:
    """Rule ``name``'s row (None: it has none yet) with ``key=value`` assignments applied
    (``enabled``, ``repeat_seconds`` or a threshold of the rule), checked as the
    configuration would be; ValueError if wrong."""
    setting = _setting(cfg, name, row)
    enabled, repeat = setting.enabled, setting.repeat_seconds
    thresholds: dict[str, Any] = {k: getattr(setting.cfg, k) for k in KEYS[name]}
    for key, value in values.items():
        if key == "enabled":
            enabled = _flag(value)
        elif key in ("repeat_seconds", *KEYS[name]):
            thresholds[key] = value
        else:
            allowed = ", ".join(("enabled", "repeat_seconds", *KEYS[name]))
            raise ValueError(f"rule {name} has no {key!r} (it has {allowed})")
    try:
        checked = cfg.model_validate({**cfg.model_dump(), **thresholds})
    except ValidationError as exc:
        raise ValueError(f"rule {name}: {_first_error(exc)}") from exc
    if "repeat_seconds" in thresholds:
        repeat = checked.repeat_seconds
    return _row(name, enabled, checked, repeat)


def _setting(cfg: AlarmConfig, name: str, row: Row | None) -> Setting:
    if row is None:
        return Setting(True, cfg, cfg.repeat_seconds)
    try:
        thresholds = json.loads(str(row["thresholds"]))
        unknown = set(thresholds) - set(KEYS[name])
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        overlaid = cfg.model_validate({**cfg.model_dump(), **thresholds})
    except (ValueError, ValidationError) as exc:  # a hand-edited row must not stop the alarms
        log.error("alarm rule %s: row ignored, the configuration's apply: %s", name, exc)
        return Setting(True, cfg, cfg.repeat_seconds)
    return Setting(bool(int(row["enabled"])), overlaid, float(row["repeat_seconds"]))


def _row(name: str, enabled: bool, cfg: AlarmConfig, repeat: float) -> Row:
    thresholds = {k: getattr(cfg, k) for k in KEYS[name]}
    return {
        "name": name,
        "enabled": int(enabled),
        "thresholds": json.dumps(thresholds, sort_keys=True),
        "repeat_seconds": max(1, round(repeat)),
    }


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise ValueError(f"enabled must be true or false, not {value!r}")
    return lowered in ("1", "true", "yes", "on")


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
