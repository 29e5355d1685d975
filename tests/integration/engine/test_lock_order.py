"""Write paths that change the same sms_outbox rows at once never deadlock (PostgreSQL, MariaDB).

A worker's write-back (its batch in whatever order it finished), its own heartbeat and
another engine's reclaim of the same rows, whose leases have just run out, start together
on the same rows. Before every multi-row statement locked its rows in id order, the
write-back took them in batch order, the heartbeat in id order and the reclaim in lease
order, and the database broke a deadlock within a few rounds. Best effort: a pass shows
that these three paths, run 12 times over 300 shared rows, met no deadlock; it cannot
prove that no interleaving of any paths ever does.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text

from hisms.adapters.dbtable.poller import sqlalchemy_url
from hisms.carrier.base import utcnow
from hisms.engine.store import open_store
from hisms.engine.store.base import BULK, NewMessage, Store, StoreError, WriteBack

ROWS, ROUNDS = 300, 12
# Leases that ran out, the highest id first: the lease index reads them in descending id order.
_EXPIRE = {
    # A month's ids begin at its number times 10^10 (partitions): the rank within it suffices.
    "postgresql": "UPDATE sms_outbox SET locked_until = now() - (id % 100000) * interval '1 s' "
    "WHERE status = 1",
    "mysql": "UPDATE sms_outbox SET locked_until = UTC_TIMESTAMP(3) - INTERVAL id SECOND "
    "WHERE status = 1",
}


@pytest.fixture(params=["pg_url", "mysql_url"])
def shared(request: pytest.FixtureRequest) -> Iterator[tuple[Store, str]]:
    url = str(request.getfixturevalue(request.param))
    store = open_store(url, pool_size=6)
    yield store, url
    store.close()


def test_write_back_heartbeat_and_reclaim_of_the_same_rows_never_deadlock(
    shared: tuple[Store, str],
) -> None:
    store, url = shared
    db = sqlalchemy.create_engine(sqlalchemy_url(url))
    deadlocks: list[str] = []
    try:
        for n in range(ROUNDS):
            store.enqueue([NewMessage(f"1380{n:03d}{i:04d}", "x") for i in range(ROWS)], "t")
            claimed = store.claim("a", BULK, ROWS, 30)
            with db.begin() as conn:
                conn.execute(text(_EXPIRE[store.dialect]))
            batch, ids = _submitted(claimed), sorted(c.id for c in claimed)
            deadlocks += _race(
                partial(store.write_back, "a", batch),
                partial(store.extend_lease, "a", ids, 30),
                partial(store.reclaim, "b", 5),
            )
    finally:
        db.dispose()
    assert deadlocks == []


def _submitted(claimed: list[Any]) -> WriteBack:
    """Every row accepted, in the order a batch might finish: shuffled, highest id first."""
    now = utcnow()
    rows = sorted(claimed, key=lambda c: -c.id)
    random.shuffle(rows[: len(rows) // 2])
    return WriteBack(
        submitted=[
            dict(id=c.id, attempt=c.attempt, phone=c.phone, channel="cm", segments=1)
            | dict(carrier_msg_id=f"M{c.id}", submitted_at=now)
            for c in rows
        ]
    )


def _race(*paths: Callable[[], object]) -> list[str]:
    """Run the paths at the same moment; the deadlock errors they met."""
    start = threading.Barrier(len(paths))
    errors: list[str] = []

    def run(path: Callable[[], object]) -> None:
        start.wait()
        try:
            path()
        except StoreError as exc:
            errors.append(str(exc))

    threads = [threading.Thread(target=run, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    unexpected = [e for e in errors if "eadlock" not in e]
    assert not unexpected, unexpected
    return errors
