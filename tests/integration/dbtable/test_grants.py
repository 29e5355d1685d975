"""The shipped grants scripts, live: the HIS account may insert and read, nothing more."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

SQL = Path(__file__).parents[3] / "sql"


def _script(dialect: str, suffix: str) -> list[str]:
    text = (SQL / dialect / "grants.sql").read_text("utf-8")
    text = text.replace("hisms_engine", f"hisms_engine_{suffix}").replace(
        "hisms_his", f"hisms_his_{suffix}"
    )
    lines = [ln for ln in text.splitlines() if not ln.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def test_postgresql_his_account_inserts_and_reads_only(pg_url: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    his = f"hisms_his_{suffix}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        for statement in _script("postgresql", suffix):
            admin.execute(statement)  # type: ignore[arg-type]
        try:
            as_his = make_url(pg_url).set(username=his).render_as_string(False)
            with psycopg.connect(as_his, autocommit=True) as conn:
                conn.execute("INSERT INTO sms_outbox (phone, content) VALUES ('13800138000', '检')")
                assert conn.execute("SELECT count(*) FROM v_sms_result").fetchone() == (1,)
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("UPDATE sms_outbox SET status = 7")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("DELETE FROM sms_outbox")
        finally:
            for role in (his, f"hisms_engine_{suffix}"):
                admin.execute(f"DROP OWNED BY {role}")  # type: ignore[arg-type]
                admin.execute(f"DROP ROLE {role}")  # type: ignore[arg-type]


def test_mysql_his_account_inserts_and_reads_only(mysql_url: str) -> None:
    import pymysql

    url = make_url(mysql_url)
    suffix = uuid.uuid4().hex[:8]
    his = f"hisms_his_{suffix}"
    connect = {"host": url.host, "port": url.port or 3306, "autocommit": True}
    admin = pymysql.connect(user=url.username, password=url.password or "", **connect)
    try:
        with admin.cursor() as cur:
            for statement in _script("mysql", suffix):
                cur.execute(statement.replace("hisms_db.", f"`{url.database}`."))
        conn = pymysql.connect(user=his, password="change-me", database=url.database, **connect)
        with conn.cursor() as cur:
            cur.execute("INSERT INTO sms_outbox (phone, content) VALUES ('13800138000', '检')")
            cur.execute("SELECT count(*) FROM v_sms_result")
            assert cur.fetchone() == (1,)
            for forbidden in ("UPDATE sms_outbox SET status = 7", "DELETE FROM sms_outbox"):
                with pytest.raises(pymysql.err.OperationalError, match="denied"):
                    cur.execute(forbidden)
        conn.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{his}'@'%', 'hisms_engine_{suffix}'@'%'")
        admin.close()
