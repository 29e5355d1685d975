"""Every dialect's DDL and statements, checked without a server.

Oracle, SQL Server and DM cannot run here (MariaDB, PostgreSQL and SQLite run live in
tests/integration): these tests hold their files to the contract (same tables,
columns and statements as PostgreSQL) and to each dialect's claim idiom.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.dialects import mssql, oracle

from hisms import sql
from hisms.adapters.dbtable.mapping import load
from hisms.adapters.dbtable.poller import TablePoller, locking

SERVERLESS = ("oracle", "sqlserver", "dm")
SAMPLE = Path(__file__).parents[2] / "etc" / "his_mapping.example.toml"
_TABLE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+) \((.*?)\n\)", re.DOTALL)
_ADDED = re.compile(r"ALTER TABLE (\w+) ADD \(?(?:COLUMN )?(?!CONSTRAINT\b)(\w+)", re.IGNORECASE)


def columns(dialect: str) -> dict[str, set[str]]:
    """Table -> column names, read from the DDL as a DBA would."""
    ddl = sql.schema(dialect)
    found: dict[str, set[str]] = {}
    for table, body in _TABLE.findall(ddl):
        names = {ln.split()[0].lower() for ln in body.splitlines() if ln.strip()}
        found[table.lower()] = names - {"constraint", "index", "--", "unique", "primary"}
    for table, column in _ADDED.findall(ddl):
        found[table.lower()].add(column.lower())
    return found


# PostgreSQL's monthly partitions need these (migration 0011); the other dialects keep
# their tables whole and (source_system, source_ref) unique in sms_outbox itself.
POSTGRES_PARTITIONING = {"sms_outbox_ref", "sms_partitioned"}


@pytest.mark.parametrize("dialect", ["mysql", "kingbase", *SERVERLESS])
def test_every_dialect_has_the_contract_tables_and_columns(dialect: str) -> None:
    want, got = columns("postgresql"), columns(dialect)
    if dialect != "kingbase":
        want = {t: c for t, c in want.items() if t not in POSTGRES_PARTITIONING}
    assert set(got) == set(want)
    for table, names in want.items():
        renamed = {"mode": "mode_name"} if dialect in ("oracle", "dm") else {}
        assert {renamed.get(n, n) for n in names} == got[table], (dialect, table)


def test_borrowers_run_the_lenders_statements_and_keep_what_is_their_own() -> None:
    assert sql.BORROWS == {"kingbase": "postgresql", "dm": "oracle"}
    assert sql.queries("kingbase") == sql.queries("postgresql")
    assert sql.migrations("kingbase") == sql.migrations("postgresql")
    assert sql.queries("dm") == sql.queries("oracle")
    # DM8's DDL is its own (types of its own), not Oracle's.
    assert sql.schema("dm") != sql.schema("oracle")
    assert "kingbase" in sql.dialects() and "dm" in sql.dialects()


def test_a_dialect_that_borrows_nothing_has_no_fallback() -> None:
    with pytest.raises(FileNotFoundError):
        sql.queries("nosuchdialect")


@pytest.mark.parametrize("dialect", ["oracle", "dm"])
def test_oracle_claim_opens_an_unlimited_skip_locked_cursor(dialect: str) -> None:
    lock = sql.queries(dialect)["claim"].split(";")[0]
    assert "FOR UPDATE SKIP LOCKED" in lock and "ORDER BY priority, id" in lock
    assert "FETCH FIRST" not in lock and "ROWNUM" not in lock  # ORA-02014 / skipped rows
    assert "IDENTITY" in sql.schema(dialect) and "CASE WHEN source_ref IS NOT NULL" in sql.schema(
        dialect
    )


def test_sqlserver_claim_reads_past_locked_rows_under_read_committed() -> None:
    claim = sql.queries("sqlserver")["claim"]
    assert "SET TRANSACTION ISOLATION LEVEL READ COMMITTED" in claim
    assert "WITH (ROWLOCK, UPDLOCK, READPAST)" in claim and "TOP (@limit)" in claim
    assert "OUTPUT inserted.id INTO @out" in claim  # sms_outbox has triggers: OUTPUT needs INTO
    schema = sql.schema("sqlserver")
    assert "NVARCHAR(MAX)" in schema and "IDENTITY(1, 1)" in schema
    assert "WHERE source_ref IS NOT NULL" in schema  # a UNIQUE constraint would allow one NULL


def test_mysql_claim_locks_then_updates_in_one_block() -> None:
    select, update, read = sql.queries("mysql")["claim"].split(";\n")
    assert "FOR UPDATE SKIP LOCKED" in select and "LIMIT %(limit)s" in select
    assert "FORCE INDEX (ix_sms_outbox_claim)" in select
    assert "WHERE id IN %(locked)s" in update and "FROM sms_outbox WHERE id IN %(locked)s" in read
    assert "utf8mb4" in sql.schema("mysql")


def test_chinese_text_columns_hold_unicode_in_every_dialect() -> None:
    assert "NVARCHAR2(2000)" in sql.schema("oracle") and "NVARCHAR(MAX)" in sql.schema("sqlserver")
    assert "CHARSET = utf8mb4" in sql.schema("mysql")


@pytest.mark.parametrize(
    ("dialect", "idiom", "table"),
    [
        (oracle.dialect(), "FOR UPDATE SKIP LOCKED", '"HISUSER"."HIS_SMS_SEND"'),
        (mssql.dialect(), "WITH (ROWLOCK, UPDLOCK, READPAST)", "[HISUSER].[HIS_SMS_SEND]"),
    ],
)
def test_his_table_intake_compiles_to_the_dialect_idiom(dialect, idiom: str, table: str) -> None:  # type: ignore[no-untyped-def]
    poller = TablePoller(load(SAMPLE), None, "sqlite://")  # type: ignore[arg-type]
    query = locking(poller.intake_query(), poller.table, dialect.name, 200)
    text = str(query.compile(dialect=dialect))
    assert idiom in text and table in text
    assert "FETCH FIRST" not in text and "ROWNUM" not in text
    poller.close()
