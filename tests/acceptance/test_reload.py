"""User story: ops block a number and run ``systemctl reload hisms`` (SIGHUP); the engine
applies it at once, without a restart, instead of at its next database poll."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta
from pathlib import Path

from hisms.engine.store import open_store
from tests.acceptance.conftest import Cli
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
