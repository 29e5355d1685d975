"""User story: ops block a number and run ``systemctl reload hisms`` (SIGHUP); the engine
applies it at once, without a restart, instead of at its next database poll."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hisms.engine.bench.harness import EngineProcess
from hisms.engine.store import open_store
from tests.acceptance.conftest import Cli, hisms
from tests.integration.e2e.conftest import E2E
from tests.waiting import wait_until

PHONE = "13800138000"


def status_of(url: str, outbox_id: int) -> tuple[str | None, str | None]:
    store = open_store(url)
    try:
        row = store.get_message(outbox_id) or {}
    finally:
        store.close()
    return row.get("status_name"), row.get("error_code")


def test_sighup_applies_a_new_blacklist_entry_without_waiting_for_the_poll(
    cli: Cli, tmp_path: Path, sqlite_url: str
) -> None:
    config = cli.write_config(tmp_path / "hisms.toml", sqlite_url, report_delay=0.01)
    with config.open("a", encoding="utf-8") as f:
        f.write("[health]\npoll_seconds = 600\n")  # without the signal: ten minutes late
    engine = cli.spawn("run", config=config)
    try:
        first = int(
            cli.run("send", "--phone", PHONE, "--content", "复诊提醒", config=config).stdout
        )
        wait_until(lambda: status_of(sqlite_url, first)[0] == "DELIVERED", 30, "the engine up")
        cli.run("blacklist", "add", PHONE, "--reason", "家属要求", config=config)
        engine.send_signal(signal.SIGHUP)
        at = (datetime.now() + timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S")
        second = cli.run(
            "send", "--phone", PHONE, "--content", "复诊提醒", "--send-at", at, config=config
        ).stdout
        wait_until(
            lambda: status_of(sqlite_url, int(second))[0] not in ("PENDING", "SENDING"),
            30,
            "the second message decided",
        )
        assert status_of(sqlite_url, int(second)) == ("REJECTED", "BLACKLISTED")
        assert engine.poll() is None  # SIGHUP did not end it
    finally:
        engine.send_signal(signal.SIGTERM)
        out, _ = engine.communicate(timeout=30)
    assert engine.returncode == 0, out
    assert "reloading routing, channel modes and the content policy" in out
    assert "reloaded: routing, channel modes, content policy and accounts in force" in out


@pytest.mark.postgres
def test_sighup_keeps_the_gateway_links_up(tmp_path: Path, pg_url: str) -> None:
    """Through a CMPP gateway: the reload applies and the link is not logged in again."""
    e2e = E2E(tmp_path, pg_url)
    try:
        sim = e2e.simulator()
        config = e2e.config(sim.port, connections=1)
        hisms("db", "init", config=config)
        with config.open("a", encoding="utf-8") as f:
            f.write("[health]\npoll_seconds = 600\n")  # without the signal: ten minutes late
        engine = EngineProcess(config, tmp_path / "engine.log")
        e2e.engines.append(engine)  # stopped by e2e.close(), which wants exit code 0
        logins = lambda: sim.call(lambda: sim.sim.counters.logins)  # noqa: E731
        (first,) = e2e.insert([("LIS", "R-1", PHONE, "复诊提醒")])
        e2e.wait(lambda: status_of(pg_url, first)[0] == "DELIVERED", 30, "the first delivered")
        assert logins() == 1
        hisms("blacklist", "add", PHONE, "--reason", "家属要求", config=config)
        engine.proc.send_signal(signal.SIGHUP)
        e2e.wait(lambda: "reloaded: routing" in engine.log(), 10, "the reload done")
        (second,) = e2e.insert([("LIS", "R-2", PHONE, "复诊提醒")])
        e2e.wait(
            lambda: status_of(pg_url, second)[0] not in ("PENDING", "SENDING"), 30, "the second"
        )
        assert status_of(pg_url, second) == ("REJECTED", "BLACKLISTED")
        (third,) = e2e.insert([("LIS", "R-3", "13900139000", "复诊提醒")])
        e2e.wait(lambda: status_of(pg_url, third)[0] == "DELIVERED", 30, "a third delivered")
        assert logins() == 1  # the same link carried it: nothing was dropped or logged in again
    finally:
        e2e.close()
