"""Every dialect's grants and lock order, read without a server.

PostgreSQL and MariaDB also run them live: tests/integration/dbtable/test_grants.py and
tests/integration/engine/test_lock_order.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hisms import sql
from hisms.engine.store.dbapi import without_comments

SQL = Path(sql.__file__).parent
GRANTED = ("postgresql", "kingbase", "mysql", "oracle", "dm", "sqlserver")
# Statements that may change several rows of sms_outbox or sms_segment and may wait for them.
MULTI_ROW = (
    "extend_lease",
    "reclaim_expired",
    "fail_abandoned",
    "mark_submitted",
    "mark_final",
    "mark_retry",
    "apply_reports",
    "match_unmatched",
    "roll_up",
)
# Run only under the report fence, where no two of them share a row: on PostgreSQL the
# lock-order step there halved bench e2e (3,748 msgs/s without it, ~1,900 with).
FENCED = {("postgresql", "apply_reports"), ("postgresql", "roll_up")}
# How each dialect locks in id order before it changes anything.
ID_ORDER = {
    "postgresql": r"ORDER BY (\w+\.)?id FOR UPDATE",
    "mysql": r"ORDER BY id FOR UPDATE",
    "oracle": r"ORDER BY (\w+\.)?id FOR UPDATE",
    "sqlserver": r"INNER LOOP JOIN \w+ t WITH \(UPDLOCK, ROWLOCK\) ON t\.id = l\.id",
}
_CHANGE = re.compile(r"(?<!FOR )\b(?:UPDATE|MERGE)\b")


def _grants(dialect: str) -> str:
    return (SQL / dialect / "grants.sql").read_text("utf-8")


@pytest.mark.parametrize("dialect", GRANTED)
def test_the_engine_may_purge_and_a_source_account_reads_only_its_views(dialect: str) -> None:
    text = re.sub(r"\s+", " ", _grants(dialect))
    assert re.search(r"DELETE ON \S*sms_report_unmatched TO \S*hisms_engine", text)
    assert re.search(r"INSERT, DELETE ON \S*sms_parked TO \S*hisms_engine", text)
    assert "sms_source_account (db_user, source_system) VALUES" in text
    his = [g for g in text.split(";") if re.search(r"TO \S*hisms_his\b", g)]
    readable = " ".join(g for g in his if "GRANT SELECT" in g)
    assert "v_my_sms_result" in readable and "v_my_sms_inbox" in readable
    assert not re.search(r"\b(v_sms_result|sms_inbox)\b", readable)
    assert not any(re.search(r"\b(UPDATE|DELETE)\b", g) for g in his)
    if dialect != "sqlserver":  # SQL Server has no column INSERT grant: its trigger checks
        assert "GRANT INSERT (source_system, source_ref," in text


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "oracle", "sqlserver"])
def test_every_multi_row_update_locks_its_rows_in_id_order_first(dialect: str) -> None:
    queries = sql.queries(dialect)
    for name in MULTI_ROW:
        statement = re.sub(r"\s+", " ", without_comments(queries[name]))
        if (dialect, name) == ("mysql", "extend_lease"):  # one primary-key read by an IN list
            assert statement.startswith("UPDATE sms_outbox FORCE INDEX (PRIMARY)")
            continue
        if (dialect, name) in FENCED:
            assert not re.search(ID_ORDER[dialect], statement), (dialect, name)
            continue
        lock, change = re.search(ID_ORDER[dialect], statement), _CHANGE.search(statement)
        assert lock and change and lock.start() < change.start(), (dialect, name)


# Tables the engine account is given nothing on, and why.
NOT_THE_ENGINES = {
    "sms_route_audit": "routing history: written by `hisms route`, as the schema owner",
    "sms_source_account": "which database account is which source: the owner's, read by triggers",
}


@pytest.mark.parametrize("dialect", GRANTED)
def test_every_table_is_granted_to_the_engine_or_said_why_not(dialect: str) -> None:
    """A table added by a migration and forgotten in grants.sql breaks only deployments
    that use the least-privilege accounts (as sms_mo_part and sms_rollup_day did)."""
    own = SQL / dialect / "migrations"
    folder = own if own.is_dir() else SQL / sql.BORROWS[dialect] / "migrations"
    migrations = " ".join(p.read_text("utf-8") for p in folder.glob("*.sql"))
    tables = set(
        re.findall(r"CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(?:\w+\.)?(sms_\w+)", migrations, re.I)
    )
    engine = " ".join(
        g
        for g in re.sub(r"\s+", " ", _grants(dialect)).split(";")
        if re.search(r"TO \S*hisms_engine\b", g)
    )
    granted = set(re.findall(r"\b(sms_\w+)", engine))
    assert tables - granted == set(NOT_THE_ENGINES), dialect
