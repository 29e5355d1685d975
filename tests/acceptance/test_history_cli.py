"""Story: a DBA keeps six months in the tables, archives older months to files, and loads
one back for an audit, with the real ``hisms db`` commands."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from hisms.engine.history.months import add_months, label


def _old_messages(db: Path, at: datetime, count: int) -> None:
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO sms_outbox (source_system, source_ref, phone, content, status, created_at)"
            " VALUES ('HIS', ?, '13800138000', ?, 3, ?)",
            [(f"r{i}", f"报告 {i}", at.strftime("%Y-%m-%d %H:%M:%S.000")) for i in range(count)],
        )


def test_archive_then_restore_on_sqlite(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "hisms.db"
    config = cli.write_config(tmp_path / "hisms.toml", f"sqlite:///{db}")
    cli.run("db", "init", config=config)
    old = add_months(datetime.now(UTC), -9)
    _old_messages(db, old, 12)

    listed = cli.run("db", "partitions", "--json", config=config).stdout.splitlines()
    assert {
        "table": "sms_outbox",
        "name": "sms_outbox",
        "month": label(old),
        "rows": 12,
        "bytes": None,
    } in [json.loads(line) for line in listed]

    refused = cli.run("db", "archive", "--older-than", "2mo", config=config, check=False)
    assert refused.returncode != 0 and "retention" in refused.stderr
    bad = cli.run("db", "archive", "--older-than", "soon", config=config, check=False)
    assert bad.returncode != 0 and "not an age" in bad.stderr

    done = cli.run("db", "archive", "--to", str(tmp_path / "arch"), config=config)
    assert f"archived {label(old)}" in done.stdout and "sms_outbox 12" in done.stdout
    manifest = tmp_path / "arch" / f"hisms-archive-{label(old)}.json"
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sms_outbox").fetchone() == (0,)

    cli.run("db", "restore-archive", str(manifest), config=config)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sms_outbox_archive").fetchone() == (12,)
        assert conn.execute("SELECT count(*) FROM sms_outbox").fetchone() == (0,)


def test_bench_history_runs_on_a_tiny_history(cli, tmp_path: Path, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    config = cli.write_config(tmp_path / "hisms.toml", pg_url)
    done = cli.run(
        "bench", "history", "--rows", "1400", "--pending", "300", "--lookups", "5", config=config
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == "history" and result["rows"] == 1400
    assert [s["history_rows"] for s in result["claim_by_history"]] == [0, *range(200, 1401, 200)]
    assert result["archive"]["rows"] == 200 and len(result["archive"]["archived_months"]) == 1
    assert result["phone_lookup"]["lookups"] == 5


def test_db_partitions_creates_the_coming_month_and_lists_sizes_on_postgresql(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, pg_url: str
) -> None:
    config = cli.write_config(tmp_path / "hisms.toml", pg_url)
    this = label(datetime.now(UTC))
    coming = label(add_months(datetime.now(UTC), 1))
    tables = ("sms_outbox", "sms_segment", "sms_inbox", "sms_event")
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as if the engine never ran
        for table in tables:
            conn.execute(f"DROP TABLE {table}_y{coming.replace('-', 'm')}")

    done = cli.run("db", "partitions", "--json", config=config)
    created = {line.removeprefix("created ") for line in done.stderr.splitlines()}
    assert created == {f"{t}_y{coming.replace('-', 'm')}" for t in tables}
    listed = {(p["table"], p["month"]): p for p in map(json.loads, done.stdout.splitlines())}
    for table in tables:
        for month in (this, coming, "default"):
            assert isinstance(listed[(table, month)]["bytes"], int)
    assert listed[("sms_outbox", this)]["name"] == f"sms_outbox_y{this.replace('-', 'm')}"
    again = cli.run("db", "partitions", config=config)
    assert "created" not in again.stderr and f"sms_outbox   {this}" in again.stdout
