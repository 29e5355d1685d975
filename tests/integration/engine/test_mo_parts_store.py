"""Long replies stored part by part (sms_mo_part), against SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from hisms.carrier.base import utcnow
from hisms.engine import moparts
from hisms.engine.store.base import Mo, MoPartRow, Store
from tests.integration.engine.test_refused_rows import query

W = "worker-a"
PHONE, NUMBER = "13800138000", "106901238001"


def part(seq: int, text: str, total: int = 3, ref: int = 7, ago: float = 0) -> MoPartRow:
    at = utcnow() - timedelta(seconds=ago)
    return MoPartRow("cm", PHONE, NUMBER, "8001", ref, total, seq, text, at)


def joined_mo(parts: Sequence[MoPartRow]) -> Mo:
    m = moparts.joined(parts)
    return Mo(m.channel, m.phone, m.service_number, m.content, m.received_at, None)


def inbox(url: str) -> list[tuple[str, int]]:
    rows = query(url, "SELECT content, parts_missing FROM sms_inbox ORDER BY id")
    return [(r["content"], int(r["parts_missing"])) for r in rows]


def test_parts_from_any_link_make_one_reply_once_the_last_is_in(store: Store, db_url: str) -> None:
    assert [s for s in store.save_mo_parts(W, [part(3, "下午")]) if not moparts.missing(s)] == []
    # The second part comes again (its answer was lost): counted once.
    store.save_mo_parts(W, [part(1, "改到")])
    store.save_mo_parts(W, [part(1, "改到")])
    (found,) = store.save_mo_parts("worker-b", [part(2, "周五")])  # another engine
    assert moparts.missing(found) == 0 and [p.seq for p in found] == [1, 1, 2, 3]
    assert moparts.joined(found).content == "改到周五下午"
    assert moparts.joined(found).extension == "8001"
    assert store.store_mo_set(W, found, joined_mo(found), 3600, 0)
    assert store.mo_part_sets() == []
    # An engine that found the same set a moment later takes nothing and stores nothing.
    assert not store.store_mo_set("worker-b", found, joined_mo(found), 3600, 0)
    assert inbox(db_url) == [("改到周五下午", 0)]


def test_an_incomplete_set_is_stored_as_it_is_marked(store: Store, db_url: str) -> None:
    store.save_mo_parts(W, [part(1, "改到", ref=9, ago=700), part(3, "下午", ref=9, ago=700)])
    store.save_mo_parts(W, [part(1, "别的", ref=10)])  # a fresh set: not yet due
    sets = store.mo_part_sets()
    due = [s for s in sets if moparts.due(s, utcnow(), 600)]
    assert len(sets) == 2 and len(due) == 1 and moparts.missing(due[0]) == 1
    assert store.store_mo_set(W, due[0], joined_mo(due[0]), 3600, moparts.missing(due[0]))
    assert [s[0].ref for s in store.mo_part_sets()] == [10]
    assert inbox(db_url) == [("改到下午", 1)]
