"""The shipped grants scripts, live on PostgreSQL and MariaDB.

The engine account runs every engine operation (its hourly purge included); a source
system's account inserts only the columns it may set, only for its own source system, gets
its id back, repeats an insert harmlessly with the documented idiom, and reads only its
own messages and replies.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hisms.adapters.his.profiles import Profiles
from hisms.adapters.nonces import NonceBook
from hisms.carrier.base import DeliveryReport, utcnow
from hisms.engine.billing.accounts import Owners
from hisms.engine.store import open_store
from hisms.engine.store.base import BULK, Mo, MoPartRow, NewMessage, WriteBack

SQL = Path(__file__).parents[3] / "sql"
PHONE = "13800138000"


@dataclass
class Accounts:
    engine: str  # URL of the engine account
    his: str  # URL of the HIS account (source system HIS)
    lis: str  # URL of a second source account, made as DATABASES.md says (source system LIS)


def _script(dialect: str, suffix: str) -> list[str]:
    text = (SQL / dialect / "grants.sql").read_text("utf-8")
    text = text.replace("hisms_engine", f"hisms_engine_{suffix}").replace(
        "hisms_his", f"hisms_his_{suffix}"
    )
    lines = [ln for ln in text.splitlines() if not ln.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _as(url: str, user: str, password: str | None = None) -> str:
    return make_url(url).set(username=user, password=password).render_as_string(False)


@pytest.fixture
def pg_accounts(pg_url: str) -> Iterator[Accounts]:
    suffix = uuid.uuid4().hex[:8]
    roles = [f"hisms_his_{suffix}", f"hisms_lis_{suffix}", f"hisms_engine_{suffix}"]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        for statement in _script("postgresql", suffix):
            admin.execute(statement)  # type: ignore[arg-type]
        lis = roles[1]
        for statement in (  # DATABASES.md, "An account per source system"
            f"CREATE ROLE {lis} LOGIN",
            f"GRANT USAGE ON SCHEMA public TO {lis}",
            f"GRANT INSERT (source_system, source_ref, account, dept_code, phone, content, "
            f"signature, priority, send_at, expire_at) ON sms_outbox TO {lis}",
            f"GRANT SELECT (id) ON sms_outbox TO {lis}",
            f"GRANT USAGE ON SEQUENCE sms_outbox_id_seq TO {lis}",
            f"GRANT SELECT ON v_my_sms_result, v_my_sms_inbox, v_sms_stats_daily, sms_status "
            f"TO {lis}",
            f"INSERT INTO sms_source_account (db_user, source_system) VALUES ('{lis}', 'LIS')",
        ):
            admin.execute(statement)  # type: ignore[arg-type]
        try:
            yield Accounts(*(_as(pg_url, role) for role in (roles[2], roles[0], roles[1])))
        finally:
            for role in roles:
                admin.execute(f"DROP OWNED BY {role}")  # type: ignore[arg-type]
                admin.execute(f"DROP ROLE {role}")  # type: ignore[arg-type]


def test_postgresql_his_account_inserts_and_reads_only(pg_accounts: Accounts) -> None:
    with psycopg.connect(pg_accounts.his, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO sms_outbox (source_system, phone, content) VALUES ('HIS', %s, '检')",
            (PHONE,),
        )
        assert conn.execute("SELECT count(*) FROM v_my_sms_result").fetchone() == (1,)
        for forbidden in (
            "UPDATE sms_outbox SET status = 7",
            "DELETE FROM sms_outbox",
            "SELECT count(*) FROM v_sms_result",
            "SELECT count(*) FROM sms_inbox",
            "SELECT content FROM sms_outbox",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forbidden)  # type: ignore[arg-type]


def test_postgresql_his_account_cannot_forge_engine_columns_or_another_system(
    pg_accounts: Accounts,
) -> None:
    with psycopg.connect(pg_accounts.his, autocommit=True) as conn:
        for forged in (
            "INSERT INTO sms_outbox (source_system, phone, status) VALUES ('HIS', %s, 3)",
            "INSERT INTO sms_outbox (source_system, phone, content, created_by) "
            "VALUES ('HIS', %s, 'x', 'engine')",
            "INSERT INTO sms_outbox (source_system, phone, content) VALUES ('LIS', %s, 'x')",
            "INSERT INTO sms_outbox (phone, content) VALUES (%s, 'x')",  # 'DEFAULT' is not HIS
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forged, (PHONE,))  # type: ignore[arg-type]
    with psycopg.connect(pg_accounts.engine) as conn:
        assert conn.execute("SELECT count(*) FROM sms_outbox").fetchone() == (0,)


def test_postgresql_his_account_gets_its_id_and_repeats_an_insert_harmlessly(
    pg_accounts: Accounts,
) -> None:
    insert = (
        "INSERT INTO sms_outbox (source_system, source_ref, phone, content) "
        "VALUES ('HIS', 'R1', %(p)s, 'a'), ('HIS', 'R2', %(p)s, 'b') "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    with psycopg.connect(pg_accounts.his, autocommit=True) as conn:
        (first,) = conn.execute(
            "INSERT INTO sms_outbox (source_system, source_ref, phone, content) "
            "VALUES ('HIS', 'R1', %s, 'a') RETURNING id",
            (PHONE,),
        ).fetchall()
        again = conn.execute(insert, {"p": PHONE}).fetchall()  # type: ignore[arg-type]
        assert len(again) == 1 and again[0] != first  # R1 kept as it was, R2 new
        rows = conn.execute("SELECT id, source_ref FROM v_my_sms_result ORDER BY id").fetchall()
        assert rows == [(first[0], "R1"), (again[0][0], "R2")]


def test_postgresql_engine_account_runs_the_engine_and_its_purge(pg_accounts: Accounts) -> None:
    _run_the_engine_as(pg_accounts.engine)


def test_postgresql_source_accounts_see_only_their_own_systems(pg_accounts: Accounts) -> None:
    _enqueue_replied_messages(pg_accounts.engine)
    for url, own in ((pg_accounts.his, "HIS"), (pg_accounts.lis, "LIS")):
        with psycopg.connect(url) as conn:
            seen = conn.execute("SELECT source_system FROM v_my_sms_result").fetchall()
            replies = conn.execute("SELECT source_system FROM v_my_sms_inbox").fetchall()
        assert seen == [(own,)] and replies == [(own,)]


@pytest.fixture
def mysql_accounts(mysql_url: str) -> Iterator[Accounts]:
    import pymysql

    url = make_url(mysql_url)
    suffix = uuid.uuid4().hex[:8]
    users = [f"hisms_his_{suffix}", f"hisms_lis_{suffix}", f"hisms_engine_{suffix}"]
    connect = {"host": url.host, "port": url.port or 3306, "autocommit": True}
    admin = pymysql.connect(user=url.username, password=url.password or "", **connect)
    db = f"`{url.database}`"
    lis = users[1]
    try:
        with admin.cursor() as cur:
            for statement in _script("mysql", suffix):
                cur.execute(statement.replace("hisms_db.", f"{db}."))
            for statement in (  # DATABASES.md, "An account per source system"
                f"CREATE USER '{lis}'@'%' IDENTIFIED BY 'change-me'",
                f"GRANT INSERT (source_system, source_ref, account, dept_code, phone, content, "
                f"signature, priority, send_at, expire_at) ON {db}.sms_outbox TO '{lis}'@'%'",
                f"GRANT SELECT ON {db}.v_my_sms_result TO '{lis}'@'%'",
                f"GRANT SELECT ON {db}.v_my_sms_inbox TO '{lis}'@'%'",
                f"INSERT INTO {db}.sms_source_account (db_user, source_system) "
                f"VALUES ('{lis}', 'LIS')",
            ):
                cur.execute(statement)
        yield Accounts(*(_as(mysql_url, u, "change-me") for u in (users[2], users[0], users[1])))
    finally:
        with admin.cursor() as cur:
            cur.execute("DROP USER IF EXISTS " + ", ".join(f"'{u}'@'%'" for u in users))
        admin.close()


def _mysql(url: str):  # type: ignore[no-untyped-def]
    import pymysql

    u = make_url(url)
    return pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.username,
        password=u.password,
        database=u.database,
        autocommit=True,
    )


def test_mysql_his_account_inserts_and_reads_only(mysql_accounts: Accounts) -> None:
    import pymysql

    conn = _mysql(mysql_accounts.his)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO sms_outbox (source_system, phone, content) VALUES ('HIS', %s, '检')",
            (PHONE,),
        )
        cur.execute("SELECT count(*) FROM v_my_sms_result")
        assert cur.fetchone() == (1,)
        for forbidden in (
            "UPDATE sms_outbox SET status = 7",
            "DELETE FROM sms_outbox",
            "SELECT count(*) FROM v_sms_result",
            "SELECT count(*) FROM sms_inbox",
            "INSERT INTO sms_outbox (source_system, phone, status) VALUES ('HIS', '1', 3)",
            "INSERT INTO sms_outbox (source_system, phone, created_by) VALUES ('HIS', '1', 'e')",
        ):
            with pytest.raises(pymysql.err.OperationalError, match="denied"):
                cur.execute(forbidden)
        with pytest.raises(pymysql.err.OperationalError, match="its source systems"):
            cur.execute("INSERT INTO sms_outbox (source_system, phone) VALUES ('LIS', '1')")
    conn.close()


def test_mysql_his_account_gets_its_id_and_repeats_an_insert_harmlessly(
    mysql_accounts: Accounts,
) -> None:
    conn = _mysql(mysql_accounts.his)
    insert = "INSERT IGNORE INTO sms_outbox (source_system, source_ref, phone) VALUES "
    with conn.cursor() as cur:
        cur.execute(insert + "('HIS', 'R1', %s)", (PHONE,))
        cur.execute("SELECT LAST_INSERT_ID()")
        (first,) = cur.fetchone()
        assert cur.execute(insert + "('HIS', 'R1', %s), ('HIS', 'R2', %s)", (PHONE, PHONE)) == 1
        cur.execute("SELECT id, source_ref FROM v_my_sms_result ORDER BY id")
        rows = cur.fetchall()
    assert rows[0] == (first, "R1") and [r[1] for r in rows] == ["R1", "R2"]
    conn.close()


def test_mysql_engine_account_runs_the_engine_and_its_purge(mysql_accounts: Accounts) -> None:
    _run_the_engine_as(mysql_accounts.engine)


def test_mysql_source_accounts_see_only_their_own_systems(mysql_accounts: Accounts) -> None:
    _enqueue_replied_messages(mysql_accounts.engine)
    for url, own in ((mysql_accounts.his, "HIS"), (mysql_accounts.lis, "LIS")):
        conn = _mysql(url)
        with conn.cursor() as cur:
            cur.execute("SELECT source_system FROM v_my_sms_result")
            seen = cur.fetchall()
            cur.execute("SELECT source_system FROM v_my_sms_inbox")
            replies = cur.fetchall()
        conn.close()
        assert seen == ((own,),) and replies == ((own,),)


def _run_the_engine_as(url: str) -> None:
    """Every store operation the engine runs, as the engine account."""
    store = open_store(url)
    try:
        store.set_timezone("Asia/Shanghai")
        (oid,) = store.enqueue([NewMessage(PHONE, "检", source_system="HIS")], "engine")
        (c,) = store.claim("w", BULK, 10, 30)
        now = utcnow()
        store.write_back(
            "w",
            WriteBack(
                submitted=[
                    dict(id=c.id, attempt=c.attempt, phone=PHONE, channel="cm", segments=1)
                    | dict(carrier_msg_id="M1", submitted_at=now)
                ],
                segments=[
                    dict(outbox_id=c.id, seq=1, total=1, channel="cm", carrier_msg_id="M1")
                    | dict(submit_result="0", submitted_at=now)
                ],
            ),
        )
        old = DeliveryReport("cm", "GONE", "DELIVRD", received_at=now - timedelta(days=8))
        store.save_reports("w", [DeliveryReport("cm", "M1", "DELIVRD"), old])
        reply = Mo("cm", PHONE, "106", "1", now, None, gateway_msg_id="0123456789abcdef")
        assert len(store.save_mo("w", [reply, reply], 3600)) == 1  # sms_mo_id
        parts = [MoPartRow("cm", PHONE, "106", "", 9, 2, seq, "几点", now) for seq in (1, 2)]
        (joined,) = store.save_mo_parts("w", parts)  # sms_mo_part
        assert len(joined) == 2
        assert store.purge_unmatched(now - timedelta(days=7)) == 1
        assert store.reclaim("w", 5) == (0, 0)
        assert store.get_message(oid)["status_name"] == "DELIVERED"  # type: ignore[index]
        owners = Owners(Profiles({}), {})
        assert store.roll_up_step(10, ZoneInfo("Asia/Shanghai"), owners.of) == 1  # the rollups
        assert NonceBook(store, "api", 60).fresh("ESB", b"n1")  # sms_nonce
    finally:
        store.close()


def _enqueue_replied_messages(engine_url: str) -> None:
    """One message each of HIS and LIS, submitted, and a reply to each."""
    store = open_store(engine_url)
    try:
        store.enqueue(
            [
                NewMessage("13800000001", "a", source_system="HIS"),
                NewMessage("13800000002", "b", source_system="LIS"),
            ],
            "engine",
        )
        now = utcnow()
        for c in store.claim("w", BULK, 10, 30):
            store.write_back(
                "w",
                WriteBack(
                    submitted=[
                        dict(id=c.id, attempt=c.attempt, phone=c.phone, channel="cm", segments=1)
                        | dict(carrier_msg_id=f"M{c.id}", submitted_at=now)
                    ]
                ),
            )
        later = now + timedelta(seconds=1)
        store.save_mo(
            "w",
            [Mo("cm", p, "106", "ok", later, None) for p in ("13800000001", "13800000002")],
            3600,
        )
    finally:
        store.close()
