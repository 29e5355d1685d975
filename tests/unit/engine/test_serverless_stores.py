"""The Oracle, DM and SQL Server stores' own logic, without a server (none runs here).

What is checked: that every parameter a statement names is one the engine passes, how a
block is bound and sequenced (the claim's unlimited cursor, ``locked``, RETURNING INTO),
``@name`` -> ``?`` for pyodbc, how migrations are cut into executable statements, and that
a missing driver is a StoreError naming the extra. Executing the SQL needs the servers.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from hisms import sql
from hisms.engine.store import open_store
from hisms.engine.store.base import StoreError
from hisms.engine.store.dbapi import aware_row, json_rows, statements
from hisms.engine.store.oracle import OracleTx, binds_of, returning_into, script_statements
from hisms.engine.store.sqlserver import connection_string, go_batches, to_qmark

_PG_PARAM = re.compile(r"%\((\w+)\)s")


def engine_params(name: str) -> set[str]:
    """Every parameter the engine binds for a statement: PostgreSQL's names it all (a batch's
    columns included), and the JSON-batch dialects get the batch as ``rows``."""
    return set(_PG_PARAM.findall(sql.queries("postgresql")[name])) | {"rows"}


@pytest.mark.parametrize("dialect", ["oracle", "dm"])
def test_every_oracle_bind_is_a_parameter_the_engine_passes(dialect: str) -> None:
    for name, block in sql.queries(dialect).items():
        for statement in statements(block):
            outs = returning_into(statement)
            known = (
                engine_params(name) | {"locked", *outs}
                if name != "enqueue_unkeyed"
                else {
                    *engine_params("enqueue"),
                    "id",
                }
            )
            assert set(binds_of(statement)) <= known, (name, set(binds_of(statement)) - known)


def test_every_sqlserver_parameter_is_one_the_engine_passes() -> None:
    for name, batch in sql.queries("sqlserver").items():
        declared = set(re.findall(r"DECLARE @(\w+)", batch))
        text, _ = to_qmark(batch, {})
        used = set(re.findall(r"(?<![@\w])@(\w+)", text)) - declared
        assert used <= engine_params(name), (name, used - engine_params(name))


def test_binds_skip_string_literals_and_repeat_once() -> None:
    statement = sql.queries("oracle")["save_mo"]
    names = binds_of(statement)
    assert len(names) == len(set(names))
    assert {"phone", "received_at", "window", "ext_source", "worker", "id"} <= set(names)
    assert binds_of("SELECT ':not' FROM dual WHERE a = :a AND b = 'x:y'") == ("a",)
    assert returning_into(statement) == ("id", "outbox_id")
    assert returning_into(sql.queries("oracle")["push_failed"]) == ("push_failures",)
    assert returning_into(statements(sql.queries("oracle")["claim"])[0]) == ()


def test_blocks_split_into_statements_without_semicolons_or_comment_lines() -> None:
    claim = statements(sql.queries("oracle")["claim"])
    assert len(claim) == 3
    assert claim[0].startswith("SELECT id FROM sms_outbox")
    assert claim[0].endswith("FOR UPDATE SKIP LOCKED")
    assert not any(s.rstrip().endswith(";") or "\n--" in s for s in claim)


class _Var:
    def __init__(self, value: Any) -> None:
        self.value = value

    def getvalue(self) -> Any:
        return self.value


class _Cursor:
    """Records what the store hands a DB-API cursor and answers from a script."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sizes: list[dict[str, Any]] = []
        self.arraysize = 100
        self.prefetchrows = 2
        self.description: list[tuple[str]] | None = None
        self.rowcount = 0
        self._rows: list[tuple[Any, ...]] = []
        self.closed = False

    def var(self, _type: object) -> _Var:
        return _Var(None)

    def setinputsizes(self, **sizes: Any) -> None:
        self.sizes.append(sizes)

    def execute(self, statement: str, args: dict[str, Any]) -> None:
        self.calls.append((statement, args))
        answer = self.answers.pop(0)
        self.description = [(c,) for c in answer.get("columns", [])] or None
        self._rows = answer.get("rows", [])
        self.rowcount = answer.get("rowcount", len(self._rows))
        for name, values in answer.get("out", {}).items():
            args[name].value = values

    def fetchmany(self, n: int) -> list[tuple[Any, ...]]:
        return self._rows[:n]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def close(self) -> None:
        self.closed = True


def _tx(cursor: _Cursor, dialect: str = "oracle") -> OracleTx:
    conn = SimpleNamespace(cursor=lambda: cursor)
    driver = SimpleNamespace(DB_TYPE_NUMBER="NUMBER", DB_TYPE_CLOB="CLOB")
    return OracleTx(conn, sql.queries(dialect), driver)  # type: ignore[arg-type]


def test_oracle_claim_fetches_limit_rows_of_its_unlimited_cursor_then_leases_them() -> None:
    cursor = _Cursor(
        [
            {"columns": ["ID"], "rows": [(7,), (8,), (9,)]},
            {"rowcount": 2},
            {"columns": ["ID", "ATTEMPT", "EXPIRE_AT"], "rows": [(7, 1, None), (8, 1, None)]},
        ]
    )
    rows = _tx(cursor).run(
        "claim", worker="w1", lease=30.0, limit=2, min_priority=0, max_priority=9
    )
    (_, lock_args), (_, lease_args), (_, read_args) = cursor.calls
    assert set(lock_args) == {"min_priority", "max_priority"}  # no :limit, no unused binds
    assert cursor.arraysize == 2 and cursor.prefetchrows == 3
    assert json.loads(lease_args["locked"]) == [7, 8]  # only the 2 fetched rows are leased
    assert set(lease_args) == {"worker", "lease", "locked"}
    assert {"CLOB"} == set(cursor.sizes[1].values()) and "locked" in cursor.sizes[1]
    assert rows == [
        {"id": 7, "attempt": 1, "expire_at": None},
        {"id": 8, "attempt": 1, "expire_at": None},
    ]
    assert "locked" in read_args
    assert cursor.closed


def test_oracle_block_whose_lock_finds_nothing_stops_there() -> None:
    cursor = _Cursor([{"columns": ["ID"], "rows": []}])
    assert (
        _tx(cursor).run("claim", worker="w", lease=1, limit=5, min_priority=0, max_priority=1) == []
    )
    assert len(cursor.calls) == 1 and cursor.closed


def test_oracle_returning_into_answers_rows_and_dml_answers_its_count() -> None:
    cursor = _Cursor([{"rowcount": 1, "out": {"id": [41], "outbox_id": [None]}}, {"rowcount": 3}])
    tx = _tx(cursor)
    received = datetime(2026, 11, 29, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    saved = tx.run(
        "save_mo",
        channel="c",
        phone="13800138000",
        service_number="106",
        content="1",
        received_at=received,
        ext_source=None,
        worker="w",
        window=86400.0,
    )
    assert saved == [{"id": 41, "outbox_id": None}]
    assert cursor.calls[0][1]["received_at"] == datetime(2026, 11, 29, 2, 0)  # naive UTC
    assert tx.changed("purge_unmatched", before=received) == 3


def test_sqlserver_binds_each_use_of_a_parameter_and_leaves_table_variables() -> None:
    text, values = to_qmark(
        "-- uses @rows in a comment\nDECLARE @out TABLE (id BIGINT);\n"
        "SELECT '@rows', @@ROWCOUNT, @worker, @worker FROM OPENJSON(@rows) x OUTPUT INTO @out",
        {"rows": "[]", "worker": "w"},
    )
    assert values == ["w", "w", "[]"]
    assert "@out" in text and "'@rows'" in text and "@@ROWCOUNT" in text and "--" not in text
    claim, args = to_qmark(
        sql.queries("sqlserver")["claim"],
        {"limit": 5, "min_priority": 0, "max_priority": 1, "worker": "w", "lease": 30.0},
    )
    assert "TOP (?)" in claim and args == [5, 0, 1, "w", 30.0, "w"]


def test_sqlserver_migrations_put_views_and_triggers_first_in_their_batch() -> None:
    for _, _, ddl in sql.migrations("sqlserver"):
        for batch in go_batches(ddl):
            body = statements(batch + ";")
            for n, statement in enumerate(body):
                if re.match(r"CREATE (VIEW|TRIGGER|OR ALTER)", statement):
                    assert n == 0, statement[:60]


@pytest.mark.parametrize("dialect", ["oracle", "dm"])
def test_oracle_migrations_keep_triggers_whole_and_drop_sql_semicolons(dialect: str) -> None:
    for _, _, ddl in sql.migrations(dialect):
        parts = script_statements(ddl)
        creates = len(re.findall(r"^CREATE ", ddl, re.MULTILINE))
        assert len([p for p in parts if p.startswith("CREATE ")]) == creates
        for part in parts:
            if "TRIGGER" in part.split("\n")[0]:
                assert part.endswith("END;")
            else:
                assert not part.endswith(";") and part.strip() != "/"


def test_odbc_connection_string_quotes_the_password_and_takes_options() -> None:
    text = connection_string(
        "db1",
        1433,
        "hisms",
        "sms",
        "p;w}d",
        {"driver": "ODBC Driver 17 for SQL Server", "TrustServerCertificate": "yes"},
    )
    assert "PWD={p;w}}d}" in text and "DRIVER={ODBC Driver 17 for SQL Server}" in text
    assert "SERVER=db1,1433" in text and "TrustServerCertificate=yes" in text
    assert "Trusted_Connection=yes" in connection_string("h", 1433, None, None, None, {})


@pytest.mark.parametrize(
    ("url", "module", "extra"),
    [
        ("oracle://sms:pw@127.0.0.1:1521/FREEPDB1", "oracledb", "hisms[oracle]"),
        ("dm://SYSDBA:pw@127.0.0.1:5236", "dmPython", "hisms[dm]"),
        ("mssql://sa:pw@127.0.0.1:1433/hisms", "pyodbc", "hisms[sqlserver]"),
    ],
)
def test_a_missing_driver_names_its_extra(
    monkeypatch: pytest.MonkeyPatch, url: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    monkeypatch.setitem(sys.modules, "cx_Oracle", None)
    with pytest.raises(StoreError, match=re.escape(extra)):
        open_store(url)


def test_rows_and_batches_travel_in_utc() -> None:
    at = datetime(2026, 11, 29, 18, 30, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    assert json.loads(json_rows([{"id": 1, "at": at, "none": None}])) == [
        {"id": 1, "at": "2026-11-29T10:30:00.123"}
    ]
    row = aware_row(["ID", "REPORT_AT"], [1, datetime(2026, 11, 29, 10, 30)])
    assert row == {"id": 1, "report_at": datetime(2026, 11, 29, 10, 30, tzinfo=UTC)}


def test_an_unreachable_oracle_is_a_store_error_without_the_password() -> None:
    pytest.importorskip("oracledb", reason="python-oracledb comes with the test extra")
    with pytest.raises(StoreError, match="cannot connect to Oracle") as caught:
        open_store("oracle://sms:s3cret-pw@127.0.0.1:9/FREEPDB1")  # port 9: discard, closed
    assert "s3cret-pw" not in str(caught.value)
