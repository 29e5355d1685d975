"""Failover between gateways on real sockets: two CMPP simulators, ``hisms run`` and
PostgreSQL. The main gateway is a ``hisms simulate cmpp`` process, killed mid-run (or
not started yet); the backup runs in this process, so its submits can be counted."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hisms.engine.bench.harness import toml_value
from tests.integration.e2e.conftest import (
    ACCOUNT,
    E2E,
    SECRET,
    SRC_NUMBER,
    EngineProcess,
)

pytestmark = pytest.mark.slow

CHANNEL = {
    "protocol": "cmpp",
    "host": "127.0.0.1",
    "version": "3.0",
    "source_addr": ACCOUNT,
    "secret": SECRET,
    "src_number": SRC_NUMBER,
    "service_id": "HISMS",
    "connections": 1,
    "response_timeout_seconds": 5,
    "link_wait_seconds": 30,  # longer than the test: only health makes the switch
    "reconnect_min_seconds": 0.1,
    "reconnect_max_seconds": 0.5,
    "drain_seconds": 1,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gateway_process(port: int) -> subprocess.Popen[bytes]:
    """``hisms simulate cmpp`` on ``port``; waits until it listens."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hisms",
            "simulate",
            "cmpp",
            "--port",
            str(port),
            "--account",
            ACCOUNT,
            "--secret",
            SECRET,
            "--report-delay",
            "0.05",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the simulator did not listen")


def config(e2e: E2E, main_port: int, backup_port: int, **engine: Any) -> Path:
    """Channels main (weight 100, rate-limited so the run lasts) and backup (weight 0)."""
    settings = {
        "batch_size": 200,
        "lease_seconds": 30,
        "poll_min_seconds": 0.02,
        "poll_max_seconds": 0.5,
        "writeback_every_seconds": 0.05,
        "retry_base_seconds": 0.2,
        "retry_max_seconds": 0.5,
        "max_attempts": 2,
        "channel_wait_seconds": 0.5,
        **engine,
    }
    lines = [
        "[database]",
        f"url = {toml_value(e2e.url)}",
        "[engine]",
        *(f"{k} = {toml_value(v)}" for k, v in settings.items()),
        "[validation]",
        'default_signature = "测试医院"',
        "[health]",
        "poll_seconds = 0.5",
        "up_after_seconds = 1",
    ]
    for name, port, rate in (("main", main_port, 300), ("backup", backup_port, 0)):
        options = {**CHANNEL, "port": port, "rate": rate}
        lines += ["[[channels]]", f'name = "{name}"']
        lines += [f"{k} = {toml_value(v)}" for k, v in options.items()]
    lines += [
        "[[routing.rules]]",
        'name = "default"',
        'group = "g"',
        "[routing.groups]",
        'g = [{ channel = "main", weight = 100 }, { channel = "backup", weight = 0 }]',
    ]
    path = e2e.tmp_path / "failover.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def start(e2e: E2E, path: Path) -> EngineProcess:
    engine = EngineProcess(path, e2e.tmp_path / "engine.log")
    e2e.engines.append(engine)
    return engine


def insert_urgent(e2e: E2E, count: int) -> list[int]:
    """Critical values (priority 0), as the critical-value platform inserts them."""
    with psycopg.connect(e2e.url) as conn:
        rows = conn.execute(
            "INSERT INTO sms_outbox (source_system, phone, content, priority) "
            "SELECT 'CV', '139' || lpad(g::text, 8, '0'), '危急值', 0 "
            "FROM generate_series(1, %s) g RETURNING id",
            (count,),
        ).fetchall()
    return [r[0] for r in rows]


def test_killed_gateway_fails_over_to_the_backup_within_ten_seconds(e2e: E2E) -> None:
    main_port = free_port()
    main = gateway_process(main_port)
    backup = e2e.simulator()
    try:
        start(e2e, config(e2e, main_port, backup.port))
        e2e.insert([("HIS", f"f{i}", f"138{i:08d}", "检验报告已出") for i in range(3000)])
        e2e.wait(
            lambda: e2e.counts().get(2, 0) + e2e.counts().get(3, 0) >= 300, 60, "main's traffic"
        )
        assert backup.call(lambda: len(backup.sim.recorded.parts)) == 0
        main.kill()
        killed = time.monotonic()
        main.wait()
        urgent = insert_urgent(e2e, 5)
        while backup.call(lambda: len(backup.sim.recorded.parts)) == 0:
            assert time.monotonic() - killed < 30, e2e.engines[-1].log()[-3000:]
            time.sleep(0.01)
        switch = time.monotonic() - killed
        urgent_done = e2e.wait(
            lambda: (
                e2e.query(
                    "SELECT count(*) FROM sms_outbox WHERE id = ANY(%s) AND channel = 'backup' "
                    "AND status IN (2, 3)",
                    urgent,
                )[0][0]
                == 5
            ),
            30,
            "the urgent rows on the backup",
        )
        print(
            f"failover: kill -> first submit on the backup {switch:.2f} s; "
            f"urgent rows submitted on the backup {urgent_done + switch:.2f} s after the kill"
        )
        assert switch < 10
        # Submitted to main before the kill: their reports died with it (they stay SUBMITTED).
        sent = lambda: e2e.counts().get(0, 0) + e2e.counts().get(1, 0) == 0  # noqa: E731
        e2e.wait(sent, 120, "every row submitted")
        by_status = e2e.counts()
        assert by_status.get(4, 0) == 0, by_status
        channels = dict(e2e.query("SELECT channel, count(*) FROM sms_outbox GROUP BY channel"))
        assert channels["main"] >= 300 and channels["backup"] > 0, channels
        log = e2e.engines[-1].log()
        assert "channel main is DOWN" in log and "fails over from main to backup" in log
    finally:
        main.kill()
        main.wait()


def test_an_outage_longer_than_every_retry_fails_nothing(e2e: E2E) -> None:
    """max_attempts 2 x backoff 0.5 s is over in about a second; the gateways stay away for
    eight: every row waits PENDING with its reason, then goes out when a gateway comes."""
    main_port, backup_port = free_port(), free_port()
    start(e2e, config(e2e, main_port, backup_port))
    ids = e2e.insert([("HIS", f"o{i}", f"137{i:08d}", "复诊提醒") for i in range(50)])
    e2e.wait(
        lambda: (
            e2e.query("SELECT count(*) FROM sms_outbox WHERE error_code = 'WAITING_CHANNEL'")[0][0]
            == 50
        ),
        30,
        "every row waiting for a channel",
    )
    time.sleep(8)
    # Every channel_wait_seconds the engine claims them again (SENDING) to re-check the group;
    # between checks they are PENDING. A FAILED row would never be PENDING again.
    query = "SELECT status, attempts, error_text FROM sms_outbox WHERE id = ANY(%s)"
    e2e.wait(lambda: {r[0] for r in e2e.query(query, ids)} == {0}, 10, "every row PENDING")
    rows = e2e.query(query, ids)
    assert max(r[1] for r in rows) <= 1  # waiting spends no attempt
    assert all("main DOWN" in r[2] and "backup DOWN" in r[2] for r in rows), rows[0]
    main = gateway_process(main_port)
    try:
        e2e.wait(e2e.all_final(50), 60, "every row delivered once the gateway is back")
        assert e2e.counts() == {3: 50}
    finally:
        main.kill()
        main.wait()


def test_disable_by_hand_moves_traffic_and_enable_brings_it_back(e2e: E2E) -> None:
    main, backup = e2e.simulator(), e2e.simulator()
    path = config(e2e, main.port, backup.port)
    start(e2e, path)
    parts = lambda sim: sim.call(lambda: len(sim.sim.recorded.parts))  # noqa: E731
    e2e.insert([("HIS", f"a{i}", f"136{i:08d}", "体检提醒") for i in range(20)])
    e2e.wait(e2e.all_final(20), 60, "the first rows on main")
    assert (parts(main), parts(backup)) == (20, 0)
    cli = [sys.executable, "-m", "hisms", "--config", str(path), "channel"]
    subprocess.run([*cli, "disable", "main", "--reason", "maintenance"], check=True)
    time.sleep(1.5)  # > health.poll_seconds: every engine has read it
    e2e.insert([("HIS", f"b{i}", f"135{i:08d}", "体检提醒") for i in range(20)])
    e2e.wait(e2e.all_final(40), 60, "rows on the backup")
    assert (parts(main), parts(backup)) == (20, 20)
    listed = subprocess.run([*cli, "list"], check=True, capture_output=True, text=True).stdout
    assert "main (cmpp): DISABLED by cli:" in listed and ": DISABLED since" in listed
    subprocess.run([*cli, "enable", "main"], check=True)
    time.sleep(1.5)  # > health.poll_seconds: every engine has read it
    e2e.insert([("HIS", f"c{i}", f"134{i:08d}", "体检提醒") for i in range(20)])
    e2e.wait(e2e.all_final(60), 60, "rows back on main")
    assert (parts(main), parts(backup)) == (40, 20)
