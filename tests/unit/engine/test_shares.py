"""How the engines of one database split a channel's connections and rate."""

from __future__ import annotations

from hisms.engine.shares import fair_slots, share_rate


def test_connections_split_evenly_the_first_engines_taking_the_remainder() -> None:
    members = ("a", "b", "c")
    assert [fair_slots(members, w, 2) for w in members] == [1, 1, 0]
    assert [fair_slots(members, w, 4) for w in members] == [2, 1, 1]
    assert sum(fair_slots(members, w, 7) for w in members) == 7


def test_an_engine_not_yet_a_member_counts_itself() -> None:
    assert fair_slots((), "a", 2) == 2
    assert fair_slots(("b",), "a", 2) == 1


def test_the_rate_follows_the_slots_held() -> None:
    assert share_rate(500.0, 1, 2) == 250.0
    assert share_rate(500.0, 0, 2) == 0.0
    assert share_rate(None, 1, 2) is None
