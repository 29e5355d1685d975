"""A migration merged after a higher-numbered one is still applied by ``hisms db upgrade``."""

from __future__ import annotations

from hisms import sql
from hisms.engine.store import open_store
from hisms.engine.store.sqlstore import SqlStore


def test_a_lower_numbered_migration_applied_after_a_higher_one_is_still_due(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'h.db'}")
    assert isinstance(store, SqlStore)
    every = sql.migrations("sqlite")
    skipped = every[-3]  # as if its branch was merged after the two above it had run
    for version, name, ddl in every:
        if version != skipped[0]:
            with store.transaction() as tx:
                tx.script(ddl)
                tx.run("record_migration", version=version, name=name)
    assert store.pending_migrations() == [skipped[:2]]
    assert store.upgrade() == [skipped[0]]
    assert store.pending_migrations() == [] and store.upgrade() == []
    store.close()
