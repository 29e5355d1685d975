"""Alarms end to end: real ``hisms run``, CMPP simulators, an SMTP server (aiosmtpd), PostgreSQL.

The primary gateway dies: the channel alarm goes out as an SMS through the backup
gateway and as email, and the recovery notice follows when the gateway comes back.
The database dies: its alarm still goes out by SMS and email, and the journal reaches
``sms_alarm`` once the database is back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from hisms.engine.store import open_store
from tests.integration.faults.conftest import Cluster, private_pg  # noqa: F401  (the fixture)
from tests.integration.monitoring.conftest import (
    E2E,
    Mailbox,
    SimAt,
    SimThread,
    channel,
    run_monitored,
    sim_config,
)
from tests.waiting import wait_until

ON_CALL = "13900001111"


def _alarms(mailbox: Mailbox, **overrides: Any) -> dict[str, dict[str, Any]]:
    alarms = {
        "enabled": True,
        "every_seconds": 0.2,
        "channel_down_seconds": 1,
        "database_down_seconds": 1,
        "clear_after_seconds": 1,
        "sms_to": [ON_CALL],
        "sms_signature": "",
        "email_to": ["oncall@hospital.test"],
        **overrides,
    }
    smtp = {"host": "127.0.0.1", "port": mailbox.port, "security": "none"}
    monitoring = {"probe_every_seconds": 0.2, "probe_timeout_seconds": 1}
    health = {"up_after_seconds": 0.5, "poll_seconds": 0.2}  # back UP quickly after a fault
    return {"monitoring": monitoring, "alarms": alarms, "alarms.smtp": smtp, "health": health}


def _texts_to(sim: SimThread, number: str) -> int:
    return sim.call(lambda: sim.sim.counters.per_phone[number])


def _mail(mailbox: Mailbox, word: str) -> list[str]:
    return [s for s in mailbox.subjects() if word in s]


@pytest.mark.postgres
def test_a_dead_gateway_raises_its_alarm_by_sms_through_the_backup_and_email(
    e2e: E2E, mailbox: Mailbox
) -> None:
    primary = e2e.simulator(report_delay=0.05, mo_rules=())
    backup = e2e.simulator(report_delay=0.05, mo_rules=())
    engine = run_monitored(
        e2e, primary.port, _alarms(mailbox), channel("backup", backup.port, link_wait_seconds=1)
    )
    port = primary.port
    wait_until(lambda: engine.log().count("logged in") >= 2, 30, "both channels up", engine.log)

    primary.close()
    e2e.sims.remove(primary)
    wait_until(lambda: _mail(mailbox, "ALARM channel_down"), 30, "the alarm email", engine.log)
    wait_until(lambda: _texts_to(backup, ON_CALL) >= 1, 10, "the alarm SMS at the backup")
    assert "channel cmcc DOWN" in _mail(mailbox, "ALARM channel_down")[0]

    revived = SimAt(sim_config(), port)
    e2e.sims.append(revived)
    wait_until(lambda: _mail(mailbox, "RECOVERED channel_down"), 30, "recovery", engine.log)
    wait_until(lambda: _texts_to(backup, ON_CALL) + _texts_to(revived, ON_CALL) >= 2, 10, "its SMS")
    assert len(_mail(mailbox, "ALARM channel_down")) == 1  # raised once, not per round
    rows = wait_until_journaled(e2e.url, 2)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("channel_down", "cmcc", "RAISED"),
        ("channel_down", "cmcc", "CLEARED"),
    ]
    assert "sms 139****1111 via backup: accepted" in rows[0][3]
    assert "email to oncall@hospital.test: sent" in rows[0][3]
    assert "ALARM channel_down" in engine.log() and "RECOVERED" in engine.log()


def wait_until_journaled(url: str, count: int) -> list[tuple[Any, ...]]:
    def rows() -> list[tuple[Any, ...]]:
        with psycopg.connect(url) as conn:
            return conn.execute(
                "SELECT alarm, subject, event, notified FROM sms_alarm ORDER BY id"
            ).fetchall()

    wait_until(lambda: len(rows()) >= count, 30, f"{count} rows in sms_alarm", rows)
    return rows()


@pytest.mark.postgres
@pytest.mark.slow
def test_with_the_database_down_its_alarm_still_goes_out_by_sms_and_email(
    private_pg: Cluster,  # noqa: F811
    mailbox: Mailbox,
    tmp_path: Path,
) -> None:
    store = open_store(private_pg.url)
    store.upgrade()
    store.close()
    world = E2E(tmp_path, private_pg.url)
    try:
        sim = world.simulator(report_delay=0.05, mo_rules=())
        engine = run_monitored(world, sim.port, _alarms(mailbox))
        wait_until(lambda: "logged in" in engine.log(), 30, "the channel up", engine.log)

        private_pg.stop()
        wait_until(lambda: _mail(mailbox, "ALARM database_down"), 30, "the email", engine.log)
        wait_until(lambda: _texts_to(sim, ON_CALL) >= 1, 10, "the alarm SMS")
        assert engine.proc.poll() is None

        private_pg.start()
        wait_until(lambda: _mail(mailbox, "RECOVERED database_down"), 30, "recovery", engine.log)
        rows = wait_until_journaled(private_pg.url, 2)  # kept in memory while it was down
        assert [(r[0], r[2]) for r in rows] == [
            ("database_down", "RAISED"),
            ("database_down", "CLEARED"),
        ]
        assert "sms 139****1111 via cmcc: accepted" in rows[0][3]
    finally:
        world.close()
