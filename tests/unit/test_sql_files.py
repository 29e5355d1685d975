import pytest

from hisms import sql

# Statements a dialect needs beyond PostgreSQL's, because its store works around a gap.
OWN = {"oracle": {"enqueue_unkeyed"}, "dm": {"enqueue_unkeyed"}}


def test_every_dialect_defines_the_same_statements() -> None:
    names = {d: set(sql.queries(d)) for d in sql.dialects()}
    assert {"mysql", "oracle", "sqlserver", "dm", "kingbase"} <= set(names)
    assert all(names[d] - OWN.get(d, set()) == names["postgresql"] for d in names), {
        d: names[d] ^ names["postgresql"] for d in names
    }
    assert {"claim", "mark_submitted", "apply_reports", "roll_up", "save_mo"} <= names["sqlite"]


def test_printed_schema_records_each_migration() -> None:
    for dialect in sql.dialects():
        ddl = sql.schema(dialect)
        for version, name, _ in sql.migrations(dialect):
            assert f"VALUES ({version}, '{name}')" in ddl
        for table in (
            "sms_outbox",
            "sms_segment",
            "sms_inbox",
            "v_sms_result",
            "v_sms_stats_daily",
        ):
            assert table in ddl


def test_postgresql_claim_is_fenced_and_skips_locked_rows() -> None:
    claim = sql.queries("postgresql")["claim"]
    assert "AS MATERIALIZED" in claim and "FOR UPDATE SKIP LOCKED" in claim
    assert "ORDER BY priority, id" in claim
    assert "FOR EACH STATEMENT" in sql.schema("postgresql")  # NOTIFY once per INSERT, not per row


def test_a_name_given_to_two_statements_is_refused(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for dialect in sql.dialects():
        sql.queries(dialect)  # every shipped file names each statement once
    twice = "-- name: a\nSELECT 1\n\n-- name: b\nSELECT 2\n\n-- name: a\nSELECT 3\n"
    (tmp_path / "queries.sql").write_text(twice, "utf-8")
    monkeypatch.setattr(sql, "_part", lambda dialect, name: tmp_path / name)
    sql.queries.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"more than one statement \['a'\]"):
            sql.queries("twice")
    finally:
        sql.queries.cache_clear()
