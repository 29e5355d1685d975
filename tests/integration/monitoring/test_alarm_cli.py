"""``hisms alarm test`` and ``hisms alarm list`` as an operator runs them; the daily summary."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.monitoring.conftest import E2E, Mailbox, monitored_config, run_monitored
from tests.integration.monitoring.test_alarms import ON_CALL, _alarms, _texts_to
from tests.waiting import wait_until


def _hisms(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hisms", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.postgres
def test_alarm_test_notifies_by_sms_and_email_and_alarm_list_shows_it(
    e2e: E2E, mailbox: Mailbox
) -> None:
    sim = e2e.simulator(report_delay=0.05, mo_rules=())
    config = monitored_config(e2e, sim.port, _alarms(mailbox))
    done = _hisms(config, "alarm", "test")
    assert done.returncode == 0, done.stderr
    assert "sms 139****1111 via cmcc: accepted" in done.stdout
    assert "email to oncall@hospital.test: sent" in done.stdout
    assert _texts_to(sim, ON_CALL) == 1
    assert [s for s in mailbox.subjects() if "TEST alarm" in s]
    listed = _hisms(config, "alarm", "list")
    assert listed.returncode == 0, listed.stderr
    assert "TEST     test: hisms TEST alarm" in listed.stdout
    assert "notified: sms 139****1111 via cmcc: accepted" in listed.stdout


@pytest.mark.postgres
def test_alarm_test_fails_when_no_channel_takes_the_sms(e2e: E2E, mailbox: Mailbox) -> None:
    config = monitored_config(e2e, 1, _alarms(mailbox))  # nothing listens on port 1
    done = _hisms(config, "alarm", "test", "--wait", "0.5")
    assert done.returncode != 0 and "sms 139****1111: FAILED" in done.stdout
    assert "email to oncall@hospital.test: sent" in done.stdout


@pytest.mark.postgres
def test_the_daily_summary_is_emailed_once_with_yesterdays_figures(
    e2e: E2E, mailbox: Mailbox
) -> None:
    e2e.query(
        "INSERT INTO sms_outbox (source_system, phone, content, status, channel, submitted_at, "
        "created_at) SELECT 'LIS', '13800000000', 'x', s, 'cmcc', now() - interval '1 day', "
        "now() - interval '1 day' FROM unnest(ARRAY[3, 3, 3, 4]) s RETURNING id"
    )
    sim = e2e.simulator(report_delay=0.05, mo_rules=())
    sections = _alarms(mailbox, summary_to=["director@hospital.test"], summary_at="00:00")
    sections["alarms"]["email_to"] = []
    engine = run_monitored(e2e, sim.port, sections)
    wait_until(lambda: mailbox.messages, 30, "the summary email", engine.log)
    (message,) = mailbox.messages
    body = message.get_content()
    assert "daily summary" in str(message["Subject"]) and message["To"] == "director@hospital.test"
    assert "per channel" in body and "75.0%" in body and "LIS" in body
    wait_until(lambda: e2e.query("SELECT 1 FROM sms_alarm WHERE event = 'SUMMARY'"), 10, "row")
    time.sleep(1)  # several more rounds: still one summary
    assert len(mailbox.messages) == 1
