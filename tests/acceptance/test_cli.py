"""User stories through the real command line (a subprocess per command)."""

from __future__ import annotations

import json
import signal
import sqlite3
from pathlib import Path

from hisms import sql
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage
from tests.waiting import wait_until


def counts(url: str) -> dict[str, int]:
    store = open_store(url)
    try:
        return store.status_counts()
    finally:
        store.close()


def test_dba_prints_the_ddl_for_review(cli) -> None:  # type: ignore[no-untyped-def]
    for dialect in ("postgresql", "sqlite"):
        ddl = cli.run("db", "sql", "--dialect", dialect).stdout
        assert "CREATE TABLE sms_outbox" in ddl and "CREATE VIEW v_sms_result" in ddl
    assert "REFERENCING NEW TABLE" in cli.run("db", "sql", "--dialect", "postgresql").stdout


def test_init_is_idempotent_and_a_missing_schema_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = cli.write_config(tmp_path / "c.toml", f"sqlite:///{tmp_path / 'new.db'}")
    ran = cli.run("run", config=config, check=False)
    assert ran.returncode != 0 and "hisms db init" in ran.stderr
    latest = sql.migrations("sqlite")[-1][0]
    assert f"version {latest}" in cli.run("db", "init", config=config).stdout
    assert "nothing to do" in cli.run("db", "upgrade", config=config).stdout


def test_send_run_status_stop(cli, config: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    first = cli.run(
        "send",
        "--phone",
        "+86 138 0013 8000",
        "--content",
        "复诊提醒",
        "--priority",
        "2",
        "--source-system",
        "HIS",
        "--source-ref",
        "MZ-1",
        config=config,
    ).stdout.strip()
    again = cli.run(
        "send",
        "--phone",
        "13800138000",
        "--content",
        "复诊提醒",
        "--source-system",
        "HIS",
        "--source-ref",
        "MZ-1",
        config=config,
    ).stdout.strip()
    bad = cli.run("send", "--phone", "12345", "--content", "x", config=config).stdout.strip()
    assert first == again and bad != first
    engine = cli.spawn("run", config=config)
    try:
        wait_until(
            lambda: counts(db_url)["DELIVERED"] == 1 and counts(db_url)["REJECTED"] == 1,
            30,
            "one row delivered and one rejected",
        )
    finally:
        engine.send_signal(signal.SIGTERM)
        out, _ = engine.communicate(timeout=30)
    assert engine.returncode == 0, out
    assert "stopped" in out
    shown = json.loads(cli.run("status", first, "--json", config=config).stdout)
    assert shown["status_name"] == "DELIVERED" and shown["phone"] == "13800138000"
    assert [p["report_stat"] for p in shown["parts"]] == ["DELIVRD"]
    assert "PHONE_LENGTH" in cli.run("status", bad, config=config).stdout
    assert "DELIVERED 1" in " ".join(cli.run("stats", config=config).stdout.split())


def test_bad_configuration_is_reported_without_a_traceback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "bad.toml"
    config.write_text("[engine]\nbatch_size = 0\n", "utf-8")
    ran = cli.run("stats", config=config, check=False)
    assert ran.returncode == 2 and "engine.batch_size" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_worker_killed_while_holding_a_batch_is_taken_over(
    cli, tmp_path: Path, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    slow = cli.write_config(tmp_path / "slow.toml", db_url, submit_delay=60.0)
    store = open_store(db_url)
    ids = store.enqueue([NewMessage(f"1390000{i:04d}", "检查提醒") for i in range(50)], "t")
    store.close()
    victim = cli.spawn("run", config=slow)
    try:
        wait_until(lambda: counts(db_url)["SENDING"] == 50, 30, "the 50 rows leased")
    finally:
        victim.kill()  # SIGKILL: no clean-up, the rows stay leased
        victim.communicate(timeout=10)
    assert counts(db_url)["SENDING"] == 50
    healthy = cli.spawn(
        "run", config=cli.write_config(tmp_path / "ok.toml", db_url, report_delay=0.01)
    )
    try:
        wait_until(lambda: counts(db_url)["DELIVERED"] == 50, 30, "the 50 rows delivered")
    finally:
        healthy.send_signal(signal.SIGTERM)
        healthy.communicate(timeout=30)
    store = open_store(db_url)
    assert {store.get_message(i)["attempts"] for i in ids} == {2}  # type: ignore[index]
    store.close()


def test_demo_runs_end_to_end_on_a_fresh_sqlite_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "demo.db"
    out = cli.run("demo", "--db", str(db)).stdout
    assert "Final statuses" in out and "SELECT" in out
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("SELECT source_ref, status_name FROM v_sms_result").fetchall())
    codes = dict(conn.execute("SELECT source_ref, error_code FROM v_sms_result").fetchall())
    assert {statuses[f"CV-{i}"] for i in range(10)} == {"DELIVERED"}
    assert statuses["LIS-LONG-1"] == "DELIVERED"
    assert (
        conn.execute("SELECT segments FROM sms_outbox WHERE source_ref = 'LIS-LONG-1'").fetchone()[
            0
        ]
        > 1
    )
    assert [codes[f"BAD-{i}"] for i in range(1, 6)] == [
        "PHONE_LENGTH",
        "PHONE_NOT_MOBILE",
        "CONTENT_EMPTY",
        "PHONE_EMPTY",
        "CONTENT_TOO_LONG",
    ]
    assert statuses["EXPIRED-1"] == "EXPIRED"
    assert {statuses[f"LATER-{i}"] for i in range(3)} == {"DELIVERED"}
    assert "UNDELIV" in {codes[f"NOTICE-{i}"] for i in range(0, 200, 50)}
    open_rows = conn.execute(
        "SELECT count(*) FROM sms_outbox WHERE status IN (0, 1, 2)"
    ).fetchone()[0]
    assert open_rows == 0
    replies = conn.execute("SELECT count(*), count(outbox_id) FROM sms_inbox").fetchone()
    assert replies[0] > 0 and replies[0] == replies[1]
    conn.close()


def test_channels_renamed_after_init_still_route(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # db init with one channel set writes no derived rule, so an engine configured later
    # with other channel names routes by its own (it waited forever for the first names).
    url = f"sqlite:///{tmp_path / 'h.db'}"
    first = cli.write_config(tmp_path / "first.toml", url)
    cli.run("db", "init", config=first)
    listed = cli.run("route", "list", config=first).stdout
    assert "the database holds no rule" in listed
    later = tmp_path / "later.toml"
    later.write_text(first.read_text("utf-8").replace('name = "lb"', 'name = "renamed"'), "utf-8")
    cli.run("send", "--phone", "13800138000", "--content", "复诊提醒", config=later)
    engine = cli.spawn("run", config=later)
    try:
        wait_until(lambda: counts(url).get("DELIVERED") == 1, 30, "the row delivered")
    finally:
        engine.send_signal(signal.SIGTERM)
        engine.communicate(timeout=30)
