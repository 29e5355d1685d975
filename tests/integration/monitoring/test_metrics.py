"""`/metrics`, `/healthz` and `/readyz` of a real `hisms run` sending through a simulator."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.integration.monitoring.conftest import E2E, free_port, get, run_monitored, samples, total
from tests.waiting import wait_until

TEXT = "您的检验报告已出，请登录APP查看。"


@pytest.mark.postgres
def test_metrics_count_the_rows_sent_and_readyz_follows_the_channel(e2e: E2E) -> None:
    sim = e2e.simulator(report_delay=0.05, fail_ratio=0.2, seed=5, mo_rules=())
    port = free_port()
    monitoring = {"enabled": True, "port": port, "probe_every_seconds": 0.2,
                  "sample_every_seconds": 0.2}  # fmt: skip
    engine = run_monitored(e2e, sim.port, {"monitoring": monitoring})
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(base + "/readyz") == 200, 30, "/readyz ready", engine.log)
    e2e.insert([("LIS", f"B{i}", f"1380000{i:04d}", TEXT) for i in range(180)])
    for i in range(20):
        e2e.query(
            "INSERT INTO sms_outbox (source_system, source_ref, phone, content, priority) "
            "VALUES ('HIS', %s, %s, %s, 0) RETURNING id",
            f"U{i}",
            f"1390000{i:04d}",
            TEXT,
        )
    wait_until(e2e.all_final(200), 60, "200 rows final", e2e.counts)
    counts = e2e.counts()

    def scraped() -> dict:  # type: ignore[type-arg]
        return samples(get(base + "/metrics")[1])

    # Reports are counted once stored: the last flush may follow the rows' final status.
    wait_until(lambda: total(scraped(), "hisms_reports_total") == 200, 10, "200 reports counted")
    found = scraped()
    assert total(found, "hisms_messages_total", status="submitted") == 200
    assert total(found, "hisms_claimed_rows_total") == 200
    # Urgent rows go to the urgent lane unless the bulk lane's claim got there first.
    assert total(found, "hisms_messages_total", lane="urgent") <= 20
    assert total(found, "hisms_messages_total", lane="urgent") > 0
    assert total(found, "hisms_parts_total", channel="cmcc", outcome="accepted") == 200
    assert total(found, "hisms_reports_total", result="delivered") == counts[3]
    assert total(found, "hisms_reports_total", result="undelivered") == counts[4]
    assert total(found, "hisms_reports_total", operator="mobile") == 200
    assert total(found, "hisms_submit_seconds_count", channel="cmcc") == 200
    assert total(found, "hisms_channel_accepted_total", channel="cmcc") == 200
    assert total(found, "hisms_channel_up", channel="cmcc") == 1
    # A fifth of the reports failed: under health.report_success_min, the channel is DEGRADED
    assert total(found, "hisms_channel_state", channel="cmcc", state="DEGRADED") == 1
    assert total(found, "hisms_channel_state", channel="cmcc") == 1
    assert total(found, "hisms_link_up", channel="cmcc", link="cmcc#0") == 1
    assert total(found, "hisms_window_size", channel="cmcc") == 16
    assert total(found, "hisms_database_up") == 1
    ratio = total(found, "hisms_report_success_ratio", channel="cmcc", operator="mobile")
    assert ratio == pytest.approx(counts[3] / 200)
    workers = {dict(labels).get("worker") for _, labels in found if dict(labels)}
    assert workers == {engine.worker}  # every sample carries the worker id
    wait_until(
        lambda: ("hisms_backlog_rows", (("lane", "bulk"), ("worker", engine.worker))) in scraped(),
        10,
        "the backlog sampled",
    )
    for path in ("/healthz", "/readyz"):
        started = time.perf_counter()
        status, _ = get(base + path)
        assert status == 200 and time.perf_counter() - started < 0.05, path

    frame = _top(e2e)
    assert "cmcc" in frame and "DEGRADED 1/1" in frame and "/16" in frame, frame
    delivered = f"{100 * counts[3] / 200:.1f}% of 200"
    assert delivered in frame and engine.worker in frame and "bulk" in frame, frame

    sim.close()  # the only channel goes down
    e2e.sims.remove(sim)
    wait_until(lambda: _answers(base + "/readyz") == 503, 30, "/readyz unready", engine.log)
    status, body = get(base + "/readyz")
    assert (
        "no channel takes traffic" in body and "every channel for mobile is down: cmcc DOWN" in body
    )
    assert total(scraped(), "hisms_channel_up", channel="cmcc") == 0
    started = time.perf_counter()
    assert get(base + "/healthz")[0] == 200 and time.perf_counter() - started < 0.05
    assert "DOWN" in _top(e2e)


def _top(e2e: E2E) -> str:
    """One frame of `hisms top` reading the engine named by its configuration."""
    config = e2e.tmp_path / "hisms-0.toml"
    env = {**os.environ, "COLUMNS": "200"}
    command = [sys.executable, "-m", "hisms", "--config", str(config), "top", "--once"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _answers(url: str) -> int:
    try:
        return get(url, timeout=1)[0]
    except OSError:
        return 0


@pytest.mark.postgres
def test_a_taken_monitoring_port_is_a_clear_error(e2e: E2E) -> None:
    sim = e2e.simulator(mo_rules=())
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        engine = run_monitored(e2e, sim.port, {"monitoring": {"enabled": True, "port": port}})
        assert engine.proc.wait(timeout=30) == 2
    assert f"error: [monitoring] cannot listen on 127.0.0.1:{port}" in engine.log()
    engine.stop()  # closes its log
    e2e.engines.remove(engine)  # it did not stop cleanly on SIGTERM: it never ran
