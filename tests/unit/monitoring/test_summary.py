"""The daily summary's text: per channel and per source system, then the day's alarms."""

from __future__ import annotations

from datetime import date

from hisms.monitoring.summary import compose

TOTALS = [
    {"source_system": "LIS", "channel": "cmcc", "messages": 10, "submitted": 8, "delivered": 6,
     "failed": 2},
    {"source_system": "HIS", "channel": "cmcc", "messages": 2, "submitted": 2, "delivered": 2,
     "failed": 0},
    {"source_system": "HIS", "channel": None, "messages": 1, "submitted": 0, "delivered": 0,
     "failed": 0},
]  # fmt: skip
ALARMS = [
    {"id": 2, "event_at": "02:10", "event": "CLEARED", "alarm": "channel_down", "subject": "cmcc",
     "message": "hisms RECOVERED channel_down cmcc"},
    {"id": 1, "event_at": "02:00", "event": "RAISED", "alarm": "channel_down", "subject": "cmcc",
     "message": "channel cmcc DOWN"},
]  # fmt: skip


def test_the_summary_adds_up_per_channel_and_source_and_lists_alarms_in_order() -> None:
    text = compose(date(2026, 1, 2), TOTALS, ALARMS)
    lines = text.splitlines()
    assert lines[0] == "hisms daily summary for 2026-01-02"
    cmcc = next(line for line in lines if line.strip().startswith("cmcc"))
    assert cmcc.split() == ["cmcc", "12", "10", "8", "2", "80.0%"]
    assert next(line for line in lines if "(none)" in line).split()[-1] == "-"
    his = next(line for line in lines if line.strip().startswith("HIS"))
    assert his.split() == ["HIS", "3", "2", "2", "0", "100.0%"]
    assert text.index("RAISED") < text.index("CLEARED") and "alarms (2)" in text
    assert "  none" in compose(date(2026, 1, 2), [], [])
