"""Report times: YYMMDDhhmm[ss] in the gateway's zone, Beijing unless the channel says otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hisms.carrier.wire.times import gateway_time


def test_a_report_time_is_beijing_time_by_default() -> None:
    assert gateway_time("2611300838") == datetime(2026, 11, 30, 0, 38, tzinfo=UTC)
    assert gateway_time("261130083815 ") == datetime(2026, 11, 30, 0, 38, 15, tzinfo=UTC)


def test_a_report_time_is_read_in_the_zone_given() -> None:
    new_york = ZoneInfo("America/New_York")
    assert gateway_time("2611300838", new_york) == datetime(2026, 11, 30, 13, 38, tzinfo=UTC)
    assert gateway_time("2607010838", new_york) == datetime(2026, 7, 1, 12, 38, tzinfo=UTC)  # EDT
    assert gateway_time("2611300838", ZoneInfo("UTC")) == datetime(2026, 11, 30, 8, 38, tzinfo=UTC)


def test_an_unreadable_time_is_none() -> None:
    assert gateway_time("26113008", ZoneInfo("UTC")) is None
    assert gateway_time("2613300838") is None  # month 13
