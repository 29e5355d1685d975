"""Migration 0011 on a PostgreSQL database that already holds messages: the old tables are
attached as they are, nothing is lost, ids, grants, triggers and views carry on."""

from __future__ import annotations

import psycopg
import pytest

from hisms import sql
from hisms.engine.store import open_store
from hisms.engine.store.base import NewMessage

pytestmark = pytest.mark.postgres


@pytest.fixture
def old_url(pg_url: str) -> str:
    """A database at schema 9 (what main had before 0011) with a few hundred messages."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        for version, name, ddl in sql.migrations("postgresql"):
            if version >= 11:
                break
            conn.execute(ddl)  # type: ignore[arg-type]
            conn.execute(
                "INSERT INTO sms_schema_version (version, name) VALUES (%s, %s)", (version, name)
            )
        conn.execute("INSERT INTO sms_source_mode (source_system, mode) VALUES ('HIS', 'platform')")
        conn.execute(
            "INSERT INTO sms_outbox (source_system, source_ref, phone, content, created_at)"
            " SELECT 'HIS', 'r' || g, '13800138000', 'old ' || g, now() - g * interval '1 day'"
            " FROM generate_series(1, 300) g"
        )
        conn.execute(
            "INSERT INTO sms_segment (outbox_id, seq, total, channel, carrier_msg_id, submitted_at)"
            " SELECT id, 1, 1, 'c', 'm' || id, now() FROM sms_outbox"
        )
        conn.execute("UPDATE sms_outbox SET status = 2, submitted_at = now() WHERE id <= 10")
        conn.execute(
            "DO $$ BEGIN CREATE ROLE hisms_test_his;"
            " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        conn.execute(
            "GRANT INSERT (source_system, source_ref, phone, content) ON sms_outbox"
            " TO hisms_test_his"
        )
    return pg_url


def test_upgrade_keeps_every_row_and_carries_on(old_url: str) -> None:
    store = open_store(old_url)
    try:
        assert 11 in store.upgrade()
        repeat, fresh = (
            NewMessage("13800138000", "again", "HIS", "r5"),
            NewMessage("13900139000", "new", "HIS", "n1"),
        )
        ids = store.enqueue([repeat, fresh], "test")
    finally:
        store.close()
    with psycopg.connect(old_url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM sms_outbox_legacy),"
            " (SELECT count(*) FROM sms_segment_legacy),"
            " (SELECT count(*) FROM sms_event), (SELECT count(*) FROM v_sms_result),"
            " (SELECT count(*) FROM sms_outbox_ref)"
        ).fetchone()
        assert counts == (300, 300, 10, 301, 301)
        # A repeated reference answers with the old id; the new message's id says its month.
        assert ids[0] == 5
        assert ids[1] // 10**10 == int(
            conn.execute("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')").fetchone()[0]
        )  # type: ignore[index]
        where = conn.execute(
            "SELECT tableoid::regclass::text FROM sms_outbox WHERE id = 5"
        ).fetchone()
        assert where == ("sms_outbox_legacy",)
        # The events trigger moved to the partitioned table.
        conn.execute("UPDATE sms_outbox SET status = 3 WHERE id = %s", (ids[1],))
        assert conn.execute(
            "SELECT count(*) FROM sms_event WHERE outbox_id = %s", (ids[1],)
        ).fetchone() == (1,)
        # The column grants of a source account moved too.
        granted = conn.execute(
            "SELECT has_column_privilege('hisms_test_his', 'sms_outbox', 'phone', 'INSERT'),"
            " has_column_privilege('hisms_test_his', 'sms_outbox', 'status', 'INSERT')"
        ).fetchone()
        assert granted == (True, False)
        conn.rollback()
