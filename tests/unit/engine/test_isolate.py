"""A batch write where the database refuses some rows: the others are stored, each refused
row stands alone with its error, and an outage stops the writing without losing a row."""

from __future__ import annotations

from collections.abc import Sequence

from hisms.engine.isolate import isolate
from hisms.engine.store.base import StoreDataError, StoreError


class FakeStore:
    """Refuses any batch holding a poisoned item (as a database refuses a whole statement);
    unavailable once ``down_after`` writes have been tried."""

    def __init__(self, poisoned: set[int], down_after: int | None = None) -> None:
        self.poisoned = poisoned
        self.down_after = down_after
        self.stored: list[int] = []
        self.tries = 0

    def write(self, items: Sequence[int]) -> None:
        self.tries += 1
        if self.down_after is not None and self.tries > self.down_after:
            raise StoreError("OperationalError: server closed the connection")
        bad = sorted(self.poisoned.intersection(items))
        if bad:
            raise StoreDataError(f"DataError: NUL in item {bad[0]}")
        self.stored.extend(items)


def test_a_clean_batch_is_written_in_one_go() -> None:
    store = FakeStore(poisoned=set())
    written = isolate(store.write, [1, 2, 3])
    assert (written.stored, written.refused, written.unwritten) == ([1, 2, 3], [], [])
    assert written.trouble is None and store.tries == 1


def test_the_refused_row_stands_alone_and_the_others_are_stored() -> None:
    store = FakeStore(poisoned={2})
    written = isolate(store.write, [1, 2, 3])
    assert sorted(written.stored) == sorted(store.stored) == [1, 3]
    assert [(item, str(err)) for item, err in written.refused] == [(2, "DataError: NUL in item 2")]
    assert written.unwritten == [] and written.trouble is None


def test_halving_finds_a_few_bad_rows_in_a_big_batch_in_few_writes() -> None:
    items = list(range(1000))
    store = FakeStore(poisoned={17, 500, 999})
    written = isolate(store.write, items)
    assert sorted(item for item, _ in written.refused) == [17, 500, 999]
    assert sorted(written.stored) == [i for i in items if i not in {17, 500, 999}]
    assert store.tries < 3 * 2 * 11  # about 2 log2(n) writes per bad row, not one per row


def test_an_outage_stops_the_writing_and_keeps_what_is_left() -> None:
    store = FakeStore(poisoned={1}, down_after=2)  # the whole, the first half, then down
    written = isolate(store.write, [0, 1, 2, 3])
    assert isinstance(written.trouble, StoreError)
    assert not isinstance(written.trouble, StoreDataError)
    assert written.stored == [] and written.refused == []
    assert sorted(written.unwritten) == [0, 1, 2, 3]  # nothing lost, nothing written twice


def test_an_outage_from_the_start_tries_once() -> None:
    store = FakeStore(poisoned={1}, down_after=0)
    written = isolate(store.write, [0, 1, 2])
    assert store.tries == 1 and written.unwritten == [0, 1, 2] and written.trouble is not None
