"""Shared fixtures: throw-away PostgreSQL databases and SQLite files.

PostgreSQL comes from $HISMS_TEST_PG (``make test`` sets it with
scripts/ensure-postgres), else 127.0.0.1:5432. Each test gets a fresh database
cloned from a template that has the schema, and it is dropped afterwards.
MariaDB/MySQL comes from $HISMS_TEST_MYSQL (``make test`` sets it with
scripts/ensure-mariadb), else 127.0.0.1:3306; each test gets a database
as a fresh migration leaves it (tests/mysqlpool.py), and the tests skip (saying why) when
none answers.

Every test that needs the live PostgreSQL (through ``pg_url``, or the ``postgresql``
case of ``db_url``) carries the ``postgres`` marker: ``pytest -m "not postgres"``
runs the rest without one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from hisms.engine.store import open_store
from hisms.engine.store.base import Store
from tests.mysqlpool import MySQLPool

ADMIN_URL = os.environ.get("HISMS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin() -> psycopg.Connection:
    return psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)


def _url_for(database: str) -> str:
    return make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    try:
        admin = _admin()
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {ADMIN_URL} is not reachable (run tests with `make test`): {exc}"
        )
    name = f"hisms_tpl_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    store = open_store(_url_for(name))
    store.upgrade()
    store.close()
    yield name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"hisms_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _url_for(name)
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'hisms.db'}"
    store = open_store(url)
    store.upgrade()
    store.close()
    return url


MYSQL_ADMIN_URL = os.environ.get("HISMS_TEST_MYSQL", "mysql://root@127.0.0.1:3306/")


def _mysql_admin():  # type: ignore[no-untyped-def]
    import pymysql  # the `test` extra installs it; imported here so PostgreSQL-only runs need not

    url = make_url(MYSQL_ADMIN_URL)
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        autocommit=True,
        connect_timeout=3,
    )


@pytest.fixture(scope="session")
def _mysql_pool() -> Iterator[MySQLPool | str]:
    """The worker's databases, or why there are none."""
    try:
        _mysql_admin().close()
    except Exception as exc:  # driver missing or server down: both mean "cannot test here"
        yield f"no MariaDB/MySQL at {MYSQL_ADMIN_URL} (`make test` starts one): {exc}"
        return
    pool = MySQLPool(MYSQL_ADMIN_URL, _mysql_admin)
    yield pool
    pool.close()


@pytest.fixture
def mysql_url(_mysql_pool: MySQLPool | str) -> Iterator[str]:
    """A database as a fresh migration leaves it (reused after a reset: tests/mysqlpool.py)."""
    if isinstance(_mysql_pool, str):
        pytest.skip(_mysql_pool)
    name = _mysql_pool.take()
    yield _mysql_pool.url(name)
    _mysql_pool.give_back(name)


_DB_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mysql": "mysql_url"}
_DB_MARKS = {"postgresql": [pytest.mark.postgres]}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "pg_template" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
    # The modules with long tests (slow, or one engine and browser per module) first, each
    # kept whole for its module fixtures: started last, a two-minute test would be the run's
    # tail while the other workers idle. The sort is stable and the same on every worker.
    long_modules = {
        item.module for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("xdist_group")
    }  # fmt: skip
    items.sort(key=lambda item: item.module not in long_modules)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes() -> Iterator[None]:
    """Console users hashed in process with argon2's cheapest parameters: the production
    cost (64 MiB, three passes, 0.1-0.3 s a hash) made hashing most of the console tests'
    time. The hisms processes that tests start keep the production cost."""
    from argon2 import PasswordHasher, profiles

    from hisms.adapters.console import users

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


def pytest_collection_finish(session: pytest.Session) -> None:
    """Under ``--dist loadgroup`` each xdist_group test must carry its group in its id (that is
    how the scheduler keeps a group on one worker); a pytest that ignores the suffix would
    spread a module's one engine and browser over every worker, and its tests would race."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
            pytest.exit(f"xdist cannot group {item.nodeid} with this pytest (setup.cfg pins it)")


@pytest.fixture(params=[pytest.param(db, marks=_DB_MARKS.get(db, [])) for db in _DB_FIXTURES])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test against every live database."""
    return str(request.getfixturevalue(_DB_FIXTURES[request.param]))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()
