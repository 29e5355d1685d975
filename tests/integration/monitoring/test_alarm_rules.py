"""Alarm rules in ``sms_alarm_rule`` (migration 0009): `hisms db init` seeds them from
``[alarms]``, `hisms alarm rules|set` lists and changes them (audited), and a running
``hisms run`` obeys a change within seconds; ``sms_alarm`` is purged."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from hisms.carrier.base import utcnow
from hisms.engine.store import open_store
from hisms.engine.store.base import AlarmEvent, Store
from hisms.engine.store.policystore import AuditFilter
from tests.integration.monitoring.conftest import E2E, EngineProcess, free_port, monitored_config
from tests.waiting import wait_until


def _hisms(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hisms", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.fixture(params=["sqlite_url", pytest.param("pg_url", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> E2E:
    world = E2E(tmp_path, request.getfixturevalue(request.param))
    request.addfinalizer(world.close)
    return world


def _config(world: E2E) -> Path:
    # A gateway nobody answers at: the channel is DOWN from the start, for an hour before
    # the configuration's channel_down alarm.
    alarms = {"enabled": True, "every_seconds": 0.2, "channel_down_seconds": 3600}
    monitoring = {"probe_every_seconds": 0.2, "probe_timeout_seconds": 1}
    sections = {"monitoring": monitoring, "alarms": alarms}
    return monitored_config(world, free_port(), sections)


def test_a_threshold_lowered_in_the_database_raises_the_alarm_in_a_running_engine(
    world: E2E,
) -> None:
    config = _config(world)
    engine = EngineProcess(config, world.tmp_path / "engine.log")
    world.engines.append(engine)
    wait_until(lambda: "channel cmcc is DOWN" in engine.log(), 30, "cmcc DOWN", engine.log)
    wait_until(lambda: "alarm rules: 0 rows" in engine.log(), 10, "rules read", engine.log)
    assert "ALARM channel_down" not in engine.log()

    changed = _hisms(config, "alarm", "set", "channel_down", "channel_down_seconds=1")
    assert changed.returncode == 0, changed.stderr
    wait_until(lambda: "ALARM channel_down" in engine.log(), 10, "the alarm", engine.log)
    assert "alarm rules: 1 rows from the database" in engine.log()

    store = open_store(world.url)
    try:
        rows = store.recent_alarms(utcnow() - timedelta(minutes=5), 10)
    finally:
        store.close()
    assert ("channel_down", "cmcc", "RAISED") in [
        (r["alarm"], r["subject"], r["event"]) for r in rows
    ]


def test_db_init_seeds_the_rules_and_alarm_set_changes_one_audited(world: E2E) -> None:
    config = _config(world)
    done = _hisms(config, "db", "init")
    assert done.returncode == 0 and "alarm rules" in done.stdout, done.stderr
    listed = _hisms(config, "alarm", "rules").stdout
    assert "channel_down    on  channel_down_seconds=3600 repeat_seconds=1800" in listed
    assert "backlog         on  backlog_above=50000" in listed

    done = _hisms(config, "alarm", "set", "backlog", "backlog_above=10", "repeat_seconds=60")
    assert done.returncode == 0, done.stderr
    assert "backlog_above=10 repeat_seconds=60" in _hisms(config, "alarm", "rules").stdout
    again = _hisms(config, "alarm", "set", "backlog", "backlog_above=10")
    assert "(unchanged)" in again.stdout
    wrong = _hisms(config, "alarm", "set", "backlog", "backlog_above=-5")
    assert wrong.returncode != 0 and "backlog_above" in wrong.stderr
    assert _hisms(config, "alarm", "set", "nosuch", "x=1").returncode != 0

    store = open_store(world.url)
    try:
        (audit,) = store.audit_trail(
            AuditFilter(object="alarm_rule", name="backlog", action="update")
        )
        seeded = store.audit_trail(AuditFilter(object="alarm_rule", action="create", limit=100))
    finally:
        store.close()
    assert audit["actor"].startswith("cli:") and len(seeded) == 10
    assert json.loads(audit["before_json"])["thresholds"] == '{"backlog_above": 50000}'
    assert json.loads(audit["after_json"])["repeat_seconds"] == 60
    assert "nothing to do" in _hisms(config, "db", "upgrade").stdout  # seeded once


def test_alarm_events_older_than_the_kept_days_are_purged(store: Store) -> None:
    now = utcnow()
    events = [
        AlarmEvent(now - timedelta(days=200), "w1", "backlog", "bulk", "RAISED", "old", ""),
        AlarmEvent(now - timedelta(days=1), "w1", "backlog", "bulk", "CLEARED", "recent", ""),
    ]
    store.record_alarms(events)
    assert store.purge_alarms(now - timedelta(days=180)) == 1
    (left,) = store.recent_alarms(now - timedelta(days=365), 10)
    assert left["message"] == "recent"
