"""``open_store``: each URL scheme reaches its store class with the URL's parts, and an
unknown scheme is refused with the list of known ones. No server is contacted: the
store's constructor is replaced by one that records its arguments."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest

from hisms.engine.store import STORES, open_store
from hisms.engine.store.base import StoreError
from hisms.engine.store.sqlite import SqliteStore

PG = "user=u password=pw dbname=hisms"
ODBC = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=db1,1433;DATABASE=hisms;UID=sa;PWD={pw}"
CASES = [
    ("sqlite:////var/lib/hisms.db", ("/var/lib/hisms.db",), {}),
    ("postgresql+psycopg://u:pw@db1:5433/hisms", (f"{PG} host=db1 port=5433", 3), {}),
    ("kingbase://u:pw@db1:54321/hisms", (f"{PG} host=db1 port=54321", 3), {}),
    # A primary and its standby: libpq's list and SQLAlchemy's repeated host, each host
    # kept (rendered back as a URL, SQLAlchemy's form reached libpq as its last host alone).
    (
        "postgresql://u:pw@db1:5432,db2:5433/hisms?target_session_attrs=read-write",
        (f"{PG} target_session_attrs=read-write host=db1,db2 port=5432,5433", 3),
        {},
    ),
    ("postgresql://u:pw@/hisms?host=db1&host=db2", (f"{PG} host=db1,db2", 3), {}),
    (
        "mariadb://u:pw@db1/hisms",
        (3,),
        {"host": "db1", "port": 3306, "user": "u", "password": "pw", "database": "hisms"},
    ),
    (
        "mysql://db1",
        (3,),
        {"host": "db1", "port": 3306, "user": "root", "password": "", "database": None},
    ),
    (
        "oracle://u:pw@db1/?service_name=ORCL",
        (3,),
        {"user": "u", "password": "pw", "dsn": "db1:1521/ORCL"},
    ),
    ("dm://u:pw@db1", (3,), {"user": "u", "password": "pw", "server": "db1", "port": 5236}),
    ("mssql://sa:pw@db1:1433/hisms", (ODBC, 3), {}),
]


@pytest.mark.parametrize(("url", "args", "kwargs"), CASES, ids=[c[0].split(":")[0] for c in CASES])
def test_each_scheme_opens_its_store_with_the_parts_of_the_url(
    monkeypatch: pytest.MonkeyPatch, url: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    module, name = STORES[url.split(":")[0].split("+")[0]]
    cls = getattr(import_module(module), name)
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(cls, "__init__", lambda self, *a, **kw: seen.append((a, kw)))
    assert type(open_store(url, pool_size=3)) is cls
    assert seen == [(args, kwargs)]


def test_every_scheme_in_the_table_names_a_store_class() -> None:
    for module, name in STORES.values():
        assert callable(getattr(import_module(module), name).from_url)


def test_an_unknown_scheme_is_refused_with_the_known_ones() -> None:
    with pytest.raises(StoreError, match=r"'db2' is not supported \(known: postgresql, sqlite, "):
        open_store("db2://u@h/x")


def test_sqlite_opens_a_real_store() -> None:
    store = open_store("sqlite://")
    try:
        assert isinstance(store, SqliteStore) and store.schema_version() == 0
    finally:
        store.close()


def test_a_port_that_is_no_number_is_refused_clearly() -> None:
    with pytest.raises(StoreError, match="database url is not valid"):
        open_store("postgresql://u@db1:54x2/hisms")


def test_the_legacy_table_poller_keeps_every_host_of_a_multi_host_url() -> None:
    from hisms.adapters.dbtable.poller import sqlalchemy_url

    url = sqlalchemy_url("postgresql://u@db1:5432,db2:5433/his?target_session_attrs=read-write")
    assert url == (
        "postgresql+psycopg://u@/his?host=db1%3A5432&host=db2%3A5433"
        "&target_session_attrs=read-write"
    )
