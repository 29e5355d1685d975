"""Schema upgrades: safe to re-run, all or nothing, and rolled through two engines under
traffic without losing a row (issue 22).

The throwaway migration is the test's own, added to what ``sql.migrations`` returns for
the run of ``hisms db upgrade`` (in this process, through click's runner): nothing fake
ships in sql/.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from hisms import sql
from hisms.engine.cli import cli
from hisms.engine.store import open_store
from hisms.engine.store.base import Store, StoreError
from tests.integration.faults.conftest import (
    E2E,
    ENGINE,
    check_statuses,
    rows,
    simulator_counters,
    summary,
    wait_moving,
)

# Additive, as a migration that engines of the version before must survive: a new nullable
# column and an index; the statement after them fails where the test wants it to.
ADDITIVE = (
    "ALTER TABLE sms_outbox ADD COLUMN throwaway_note VARCHAR(20);\n"
    "CREATE INDEX ix_sms_outbox_throwaway ON sms_outbox (throwaway_note);\n"
)
FAILING = ADDITIVE + "UPDATE sms_outbox SET no_such_column = 1;\n"


def _with_migration(monkeypatch: pytest.MonkeyPatch, ddl: str) -> int:
    """``sql.migrations`` returns one more, after the last shipped; its version."""
    shipped = sql.migrations

    def more(dialect: str) -> list[tuple[int, str, str]]:
        found = shipped(dialect)
        return [*found, (found[-1][0] + 1, "throwaway", ddl)]

    monkeypatch.setattr(sql, "migrations", more)
    return more("postgresql")[-1][0]


def _column(store: Store) -> bool:
    """Whether sms_outbox has the throwaway column (a query that fails without it)."""
    try:
        with store.transaction() as tx:  # type: ignore[attr-defined]
            tx.script("UPDATE sms_outbox SET throwaway_note = NULL WHERE 1 = 0;")
    except StoreError:
        return False
    return True


@pytest.fixture(params=["sqlite_url", "pg_url"])
def transactional_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The databases whose DDL is transactional (MySQL/MariaDB, Oracle commit each DDL
    statement: docs/dba.md, upgrades)."""
    store = open_store(request.getfixturevalue(request.param))
    try:
        yield store
    finally:
        store.close()


def test_an_upgrade_runs_again_as_a_no_op(transactional_store: Store) -> None:
    version = transactional_store.schema_version()
    assert transactional_store.upgrade() == []
    assert transactional_store.schema_version() == version


def test_a_migration_failing_halfway_leaves_the_version_and_the_schema_as_before(
    transactional_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = transactional_store.schema_version()
    _with_migration(monkeypatch, FAILING)
    with pytest.raises(StoreError, match="no_such_column"):
        transactional_store.upgrade()
    assert transactional_store.schema_version() == before
    assert not _column(transactional_store)  # its first statements were rolled back too

    monkeypatch.undo()
    added = _with_migration(monkeypatch, ADDITIVE)  # the migration, fixed, applies whole
    assert transactional_store.upgrade() == [added]
    assert transactional_store.schema_version() == added and _column(transactional_store)


@pytest.mark.slow
def test_a_rolling_upgrade_of_two_engines_under_traffic_loses_nothing(
    e2e: E2E, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    total, waves = 3000, 4
    batch = rows(total)
    sim = e2e.simulator(report_delay=0.1, fail_ratio=0.05, seed=43, mo_rules=())
    e2e.insert(batch[: total // waves])
    engines = [e2e.run(sim.port, engine=ENGINE) for _ in range(2)]
    accepted = lambda: simulator_counters(sim).accepted  # noqa: E731
    added = _with_migration(monkeypatch, ADDITIVE)
    upgraded = []
    for n, slot in enumerate((0, 1)):
        due = (n + 1) * total // waves // 2
        wait_moving(e2e, lambda due=due: accepted() >= due, f"traffic before stop {n}", accepted)
        old = engines[slot]
        old.proc.send_signal(signal.SIGTERM)  # drains: unsent rows go back at once
        assert old.proc.wait(timeout=60) == 0, old.log()[-3000:]
        old.killed = True  # stopped on purpose
        e2e.insert(batch[(n + 1) * total // waves : (n + 2) * total // waves])  # traffic goes on
        config = str(e2e.config(sim.port))
        result = CliRunner().invoke(cli, ["--config", config, "db", "upgrade"])
        assert result.exit_code == 0, result.output
        upgraded.append(result.output)
        engines[slot] = e2e.run(sim.port, engine=ENGINE)  # the new version of the engine
    e2e.insert(batch[3 * total // waves :])
    wait_moving(e2e, e2e.all_final(total), "every row final after the rolling upgrade", e2e.counts)

    assert e2e.query("SELECT max(version) FROM sms_schema_version") == [(added,)]
    assert f"{added:04d}" in upgraded[0] or str(added) in upgraded[0]
    duplicates = summary(sim, total, 0, engines_restarted=2)
    assert duplicates == 0  # each engine drained: none held rows it had sent
    counts = check_statuses(e2e, sim)
    assert sum(counts.values()) == total and set(counts) <= {3, 4}
