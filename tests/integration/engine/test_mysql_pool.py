"""The MariaDB databases tests reuse (tests/mysqlpool.py) come back as a fresh migration
leaves them, or are replaced."""

from __future__ import annotations

from collections.abc import Iterator

import pymysql
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import MYSQL_ADMIN_URL, _mysql_admin
from tests.mysqlpool import MySQLPool

PHONE = "13800138000"


@pytest.fixture
def pool() -> Iterator[MySQLPool]:
    try:
        _mysql_admin().close()
    except pymysql.err.OperationalError as exc:
        pytest.skip(f"no MariaDB/MySQL at {MYSQL_ADMIN_URL}: {exc}")
    made = MySQLPool(MYSQL_ADMIN_URL, _mysql_admin)
    yield made
    made.close()


def _run(pool: MySQLPool, name: str, *statements: str) -> None:
    url = make_url(pool.url(name))
    conn = pymysql.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or "",
        database=name, autocommit=True,
    )  # fmt: skip
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    conn.close()


def test_a_used_database_is_given_back_as_the_template_is(pool: MySQLPool) -> None:
    name = pool.take()
    _run(
        pool,
        name,
        f"INSERT INTO sms_outbox (source_system, phone, content) VALUES ('HIS', '{PHONE}', 'a')",
        "INSERT INTO sms_audit (actor, action, object, name) VALUES ('t', 'create', 'x', '1')",
        "UPDATE sms_setting SET value = 'UTC' WHERE name = 'timezone'",
    )
    assert pool._state_of(name) != pool._state
    pool.give_back(name)
    assert pool.take() == name  # reset, not replaced
    assert pool._state_of(name) == pool._state  # each table's checksum and counter


def test_a_database_whose_schema_changed_is_replaced(pool: MySQLPool) -> None:
    name = pool.take()
    _run(pool, name, "ALTER TABLE sms_setting ADD COLUMN extra INT")
    pool.give_back(name)
    again = pool.take()
    assert again != name
    with _mysql_admin() as admin, admin.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (name,)
        )
        assert cur.fetchone() == (0,)


def test_closing_drops_every_database_it_made_even_one_never_given_back() -> None:
    try:
        _mysql_admin().close()
    except pymysql.err.OperationalError as exc:
        pytest.skip(f"no MariaDB/MySQL at {MYSQL_ADMIN_URL}: {exc}")
    pool = MySQLPool(MYSQL_ADMIN_URL, _mysql_admin)
    kept = pool.take()  # a test that never gives its database back
    pool.close()
    with _mysql_admin() as admin, admin.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (kept,))
        assert cur.fetchall() == ()
