"""What a report says on the wire: the stat of each final status, the time in Beijing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hisms.adapters.socketintake.events import stat, when


@pytest.mark.parametrize(
    ("status", "report_stat", "expected"),
    [
        (3, "DELIVRD", "DELIVRD"),
        (4, "MK:0005", "MK:0005"),
        (4, None, "UNDELIV"),  # refused by the gateway: no report
        (5, None, "EXPIRED"),
        (6, None, "REJECTD"),
        (7, None, "DELETED"),
        (8, None, "UNKNOWN"),
    ],
)
def test_stat(status: int, report_stat: str | None, expected: str) -> None:
    assert stat({"status": status, "report_stat": report_stat}) == expected


def test_times_from_every_database_are_beijing_time() -> None:
    aware = datetime(2026, 1, 1, 2, 30, tzinfo=UTC)
    for value in (aware, "2026-01-01 02:30:00.000", datetime(2026, 1, 1, 2, 30)):
        assert when({"event_at": value}).strftime("%y%m%d%H%M") == "2601011030"
