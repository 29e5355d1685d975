"""The console's pure parts: rates from counter differences, active alarms, the send form's
numbers and template variables, the password rules."""

from __future__ import annotations

import json

import pytest
from prometheus_client import generate_latest

from hisms.adapters.console.dashboard import active_alarms
from hisms.adapters.console.sampler import Reading, Sampler, read
from hisms.adapters.console.sending import _numbers, _params
from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.console.users import password_problem
from hisms.monitoring.metrics import Metrics


def scrape(at: float, accepted: float, delivered: float, undelivered: float) -> Reading:
    return Reading(at, accepted, delivered, undelivered, backlog=40, oldest=3.5)


def test_a_reading_sums_the_engines_pages() -> None:
    metrics = Metrics("w1")
    metrics.part("cmcc", "accepted", 0.01)
    metrics.part("cmcc", "accepted", 0.01)
    metrics.part("cmcc", "retry", 0.01)
    metrics.report("cmcc", "mobile", delivered=True)
    metrics.report("cmcc", "mobile", delivered=False)
    page = generate_latest(metrics.registry).decode()
    got = read([page, page], 5.0, errors=1)
    assert (got.accepted, got.delivered, got.undelivered, got.errors) == (4, 2, 2, 1)


def test_rates_are_differences_between_two_readings() -> None:
    sampler = Sampler(lambda: Reading(0), 10)
    sampler.add(scrape(100, 1000, 900, 50), 1e9)
    assert not sampler.points  # one reading: no rate yet
    sampler.add(scrape(110, 1500, 1280, 70), 1e9 + 10)
    (point,) = sampler.points
    assert (point.send_rate, point.success) == (50.0, 95.0)
    assert (point.backlog, point.oldest) == (40, 3.5)
    sampler.add(scrape(120, 1500, 1280, 70), 1e9 + 20)
    assert sampler.points[-1].success is None  # no report in the interval: no verdict


def test_an_hour_of_points_is_kept() -> None:
    sampler = Sampler(lambda: Reading(0), 10)
    for i in range(500):
        sampler.add(scrape(i * 10, i, 0, 0), i * 10)
    assert len(sampler.points) == 361


def test_an_alarm_is_active_until_its_latest_event_clears_it() -> None:
    events = [  # newest first, as recent_alarms answers
        {"alarm": "channel_down", "subject": "cmcc", "event": "CLEARED"},
        {"alarm": "backlog", "subject": "", "event": "REPEATED"},
        {"alarm": "channel_down", "subject": "cmcc", "event": "RAISED"},
        {"alarm": "channel_down", "subject": "ctcc", "event": "RAISED"},
        {"alarm": "summary", "subject": "", "event": "SUMMARY"},
    ]
    active = [(e["alarm"], e["subject"]) for e in active_alarms(events)]
    assert active == [("backlog", ""), ("channel_down", "ctcc")]


def test_numbers_are_normalised_deduplicated_and_bad_ones_kept_aside() -> None:
    numbers, bad = _numbers("13800138000, +86 139-0013-9000\n13800138000；12345 一二三")
    assert numbers == ["13800138000", "13900139000"]
    assert bad == ["12345", "一二三"]


def test_template_variables_are_name_value_lines() -> None:
    params, problem = _params("dept = 心内科\n\ntime=明天 9:00\n")
    assert problem is None and json.loads(params or "") == {"dept": "心内科", "time": "明天 9:00"}
    assert _params("no equals sign")[1] is not None


@pytest.mark.parametrize(
    ("password", "ok"),
    [("Ward-7-night", True), ("ward7night99", False), ("Sh0rt-1", False), ("ABCdef12345", True)],
)
def test_password_rules(password: str, ok: bool) -> None:
    assert (password_problem(password, ConsoleConfig()) is None) is ok
