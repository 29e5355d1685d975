"""History on every live database: a month archived then loaded back with equal row
counts, the retention respected, pushed events trimmed, and (PostgreSQL) partitions
created across a month boundary with rows landing in theirs, by a running engine too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import text

from hisms.adapters.dbtable.poller import sqlalchemy_url
from hisms.carrier.loopback.client import LoopbackCarrier
from hisms.engine.config import ChannelConfig, DatabaseConfig, EngineConfig, Settings
from hisms.engine.history import archive as steps
from hisms.engine.history import files, open_history
from hisms.engine.history.base import HistoryError
from hisms.engine.history.months import add_months, label, month_start
from hisms.engine.store import open_store
from hisms.engine.store.base import Store
from hisms.engine.worker import Engine
from tests.waiting import until

NOW = datetime.now(UTC)
OLD = month_start(add_months(NOW, -8)) + timedelta(days=9, hours=5)  # archived
YOUNG = add_months(NOW, -5)  # inside the 6-month retention: kept
TRICKY = 'a,"b"\nc; 中文'  # commas, quotes, a newline, CJK: one CSV field


def _sql(db_url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = sqlalchemy.create_engine(sqlalchemy_url(db_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _at(db_url: str, at: datetime) -> str:
    """A UTC time as each dialect's column takes it."""
    if db_url.startswith("postgresql"):
        return at.isoformat()
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000")


def _first_id(at: datetime) -> int:
    return (at.year * 100 + at.month) * 10_000_000_000


def _fill(db_url: str, at: datetime, messages: int, replies: int, events: int) -> None:
    """Rows of the month of ``at``, with that month's ids (as PostgreSQL makes them)."""
    base, when = _first_id(at), _at(db_url, at)
    for i in range(1, messages + 1):
        _sql(
            db_url,
            "INSERT INTO sms_outbox (id, source_system, source_ref, phone, content, signature,"
            " status, created_at) VALUES (:id, 'HIS', :ref, '13800138000', :content, :sig, 3, :at)",
            id=base + i,
            ref=f"r{base + i}",
            content=TRICKY if i == 1 else f"m{i}",
            sig="" if i == 1 else None,
            at=when,
        )
        _sql(
            db_url,
            "INSERT INTO sms_segment (outbox_id, seq, total, channel, carrier_msg_id,"
            " submitted_at, created_at) VALUES (:id, 1, 1, 'c', :msg, :at, :at)",
            id=base + i,
            msg=f"m{base + i}",
            at=when,
        )
    for i in range(1, replies + 1):
        _sql(
            db_url,
            "INSERT INTO sms_inbox (id, channel, phone, service_number, content, received_at,"
            " created_at) VALUES (:id, 'c', '13800138000', '1069', 'TD', :at, :at)",
            id=base + i,
            at=when,
        )
    for i in range(1, events + 1):
        _sql(
            db_url,
            "INSERT INTO sms_event (id, source_system, kind, outbox_id, event_at, pushed_at,"
            " created_at) VALUES (:id, 'HIS', 'STATUS', :id, :at, :at, :at)",
            id=base + i,
            at=when,
        )


def _count(db_url: str, table: str) -> int:
    return int(_sql(db_url, f"SELECT count(*) FROM {table}")[0][0])  # type: ignore[arg-type]


def _prepare(db_url: str, *months: datetime) -> None:
    if db_url.startswith("postgresql"):  # the old months' partitions (moved out of the default)
        for at in months:
            _sql(db_url, "SELECT count(*) FROM sms_create_partitions(0, :at)", at=at)


def test_a_month_is_archived_then_loaded_back_with_equal_counts(
    db_url: str, tmp_path: Path
) -> None:
    _fill(db_url, OLD, messages=30, replies=5, events=10)
    _fill(db_url, YOUNG, messages=20, replies=2, events=3)
    _prepare(db_url, OLD, YOUNG)
    history = open_history(db_url, batch_rows=7)  # several batches per month
    try:
        done = steps.archive(history, tmp_path, older_than=6, retention=6, now=NOW)
        assert [m.month for m in done] == [label(OLD)]
        rows = {e.table: e.rows for e in done[0].entries}
        assert rows == {"sms_event": 10, "sms_inbox": 5, "sms_segment": 30, "sms_outbox": 30}
        # Only the young month is left in the tables.
        assert _count(db_url, "sms_outbox") == 20
        assert _count(db_url, "sms_segment") == 20
        assert _count(db_url, "sms_event") == 3
        if db_url.startswith("postgresql"):  # archived references may be used again
            assert _count(db_url, "sms_outbox_ref") == 20
        manifest = files.manifest_path(tmp_path, label(OLD))
        assert manifest.is_file()

        where = steps.restore(history, manifest)
    finally:
        history.close()
    outbox = "sms_outbox" if db_url.startswith("postgresql") else "sms_outbox_archive"
    assert any(w.startswith(outbox) for w in where)
    restored = _sql(
        db_url, f"SELECT content, signature FROM {outbox} WHERE id = :id", id=_first_id(OLD) + 1
    )
    assert restored == [(TRICKY, "")]
    nulls = _sql(db_url, f"SELECT signature FROM {outbox} WHERE id = :id", id=_first_id(OLD) + 2)
    assert nulls == [(None,)]
    if db_url.startswith("postgresql"):
        assert _count(db_url, "sms_outbox") == 50
        assert _count(db_url, "v_sms_result") == 50
    else:
        for table, count in rows.items():
            assert _count(db_url, f"{table}_archive") == count


def test_nothing_inside_the_retention_is_archived(db_url: str, tmp_path: Path) -> None:
    _fill(db_url, YOUNG, messages=3, replies=0, events=0)
    _prepare(db_url, YOUNG)
    history = open_history(db_url)
    try:
        with pytest.raises(HistoryError, match="retention"):
            steps.archive(history, tmp_path, older_than=3, retention=6, now=NOW)
        assert steps.archive(history, tmp_path, older_than=6, retention=6, now=NOW) == []
    finally:
        history.close()
    assert _count(db_url, "sms_outbox") == 3


def test_an_altered_archive_is_refused_before_loading(db_url: str, tmp_path: Path) -> None:
    _fill(db_url, OLD, messages=2, replies=0, events=0)
    _prepare(db_url, OLD)
    history = open_history(db_url)
    try:
        steps.archive(history, tmp_path, older_than=6, retention=6, now=NOW)
        part = tmp_path / f"sms_outbox-{label(OLD)}.csv.gz"
        part.write_bytes(part.read_bytes()[:-4] + b"\0\0\0\0")
        with pytest.raises(files.ArchiveFileError, match="SHA-256"):
            steps.restore(history, files.manifest_path(tmp_path, label(OLD)))
    finally:
        history.close()


def test_pushed_events_older_than_the_retention_are_trimmed(store: Store, db_url: str) -> None:
    old, young = NOW - timedelta(days=40), NOW - timedelta(days=2)
    for event_id, at, pushed in ((1, old, True), (2, old, True), (3, old, False), (4, young, True)):
        _sql(
            db_url,
            "INSERT INTO sms_event (id, source_system, kind, event_at, pushed_at)"
            " VALUES (:id, 'HIS', 'MO', :at, :pushed)",
            id=_first_id(NOW) + event_id,
            at=_at(db_url, at),
            pushed=_at(db_url, at) if pushed else None,
        )
    assert store.trim_events(NOW - timedelta(days=30), batch=1) == 2
    left = {int(r[0]) - _first_id(NOW) for r in _sql(db_url, "SELECT id FROM sms_event")}  # type: ignore[call-overload]
    assert left == {3, 4}  # the unpushed one waits, however old


@pytest.mark.postgres
def test_partitions_are_created_across_a_month_boundary(pg_url: str) -> None:
    eve = datetime(2031, 1, 31, 23, 30, tzinfo=UTC)
    made = _sql(pg_url, "SELECT * FROM sms_create_partitions(1, :at)", at=eve)
    assert {"sms_outbox_y2031m01", "sms_outbox_y2031m02", "sms_event_y2031m02"} <= {
        r[0] for r in made
    }
    assert _sql(pg_url, "SELECT * FROM sms_create_partitions(1, :at)", at=eve) == []  # once
    after = datetime(2031, 2, 1, 0, 0, 1, tzinfo=UTC)
    first = _sql(pg_url, "SELECT sms_month_base(:at) + 1", at=after)[0][0]
    _sql(
        pg_url,
        "INSERT INTO sms_outbox (id, phone, content) VALUES (:id, '13800138000', 'x')",
        id=first,
    )
    where = _sql(pg_url, "SELECT tableoid::regclass::text FROM sms_outbox WHERE id = :id", id=first)
    assert where == [("sms_outbox_y2031m02",)]


@pytest.mark.postgres
def test_the_engine_store_creates_the_coming_months(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        # Up to date first: a month may have begun since the database was made (at the
        # end of a month, between the suite's start and this test).
        store.create_partitions(1)
        now = datetime.now(UTC)
        next_month = "sms_outbox_y" + add_months(month_start(now), 1).strftime("%Ym%m")
        _sql(pg_url, f"DROP TABLE {next_month}")
        made = store.create_partitions(1)
    finally:
        store.close()
    assert made == [next_month]


@pytest.mark.postgres
def test_a_running_engine_creates_the_coming_month_and_trims_pushed_events(pg_url: str) -> None:
    """The engine's own housekeeping, at its start: no `hisms db partitions` needed."""
    next_month = "sms_outbox_y" + add_months(month_start(NOW), 1).strftime("%Ym%m")
    _sql(pg_url, f"DROP TABLE {next_month}")
    old = _at(pg_url, NOW - timedelta(days=40))
    _sql(
        pg_url,
        "INSERT INTO sms_event (id, source_system, kind, event_at, pushed_at)"
        " VALUES (:id, 'HIS', 'MO', :at, :at)",
        id=_first_id(NOW) + 1,
        at=old,
    )
    settings = Settings(
        database=DatabaseConfig(url=pg_url),
        engine=EngineConfig(worker_id="e1", purge_every_seconds=3600),
        channels=[ChannelConfig(name="lb", protocol="loopback")],
    )

    def done() -> bool:
        made = _sql(pg_url, "SELECT to_regclass(:t) IS NOT NULL", t=next_month) == [(True,)]
        return made and _count(pg_url, "sms_event") == 0

    async def run() -> None:
        store = open_store(pg_url)
        engine = Engine(settings, store, {"lb": LoopbackCarrier("lb")})
        task = asyncio.create_task(engine.run())
        try:
            await until(lambda: asyncio.to_thread(done), 30, "partition made, event trimmed")
        finally:
            engine.stop()
            await task
            store.close()

    asyncio.run(run())
