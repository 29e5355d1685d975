"""``hisms top``'s reading of /metrics pages: rates between scrapes, windows, success."""

from __future__ import annotations

from rich.console import Console

from hisms.monitoring.top import Scrape, read, render

PAGE = """
hisms_channel_up{{worker="w1",channel="cmcc"}} 1
hisms_channel_state{{worker="w1",channel="cmcc",state="UP"}} 0
hisms_channel_state{{worker="w1",channel="cmcc",state="DEGRADED"}} 1
hisms_link_up{{worker="w1",channel="cmcc",link="cmcc#0"}} 1
hisms_link_up{{worker="w1",channel="cmcc",link="cmcc#1"}} 0
hisms_window_used{{worker="w1",channel="cmcc",link="cmcc#0"}} 7
hisms_window_size{{worker="w1",channel="cmcc"}} 16
hisms_channel_accepted_total{{worker="w1",channel="cmcc"}} {accepted}
hisms_reports_total{{worker="w1",channel="cmcc",operator="mobile",result="delivered"}} 90
hisms_reports_total{{worker="w1",channel="cmcc",operator="unicom",result="undelivered"}} 10
hisms_backlog_rows{{worker="w1",lane="bulk"}} 1234
hisms_oldest_pending_seconds{{worker="w1",lane="bulk"}} 300
hisms_database_up{{worker="w1"}} 1
"""


def _scrape(at: float, accepted: int) -> Scrape:
    reading = Scrape(at)
    read(PAGE.format(accepted=accepted), reading)
    return reading


def test_a_frame_shows_rate_window_links_success_and_backlog() -> None:
    console = Console(width=200, record=True)
    console.print(render(_scrape(12.0, 500), _scrape(10.0, 100)))
    frame = console.export_text()
    row = next(line for line in frame.splitlines() if "cmcc" in line)
    assert "DEGRADED 1/2" in row and "200.0" in row and "7/32" in row and "90.0% of 100" in row
    lane = next(line for line in frame.splitlines() if "bulk" in line)
    assert "1234" in lane and "5m" in lane and "up" in lane
