"""Joining a long reply from its stored parts: copies, gaps, and when a set is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hisms.engine import moparts
from hisms.engine.store.base import MoPartRow

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def part(seq: int, text: str, id_: int, total: int = 3, at: datetime = T0) -> MoPartRow:
    return MoPartRow("cm", "13800138000", "1069012301", "01", 7, total, seq, text, at, id_)


def test_a_copy_counts_once_and_the_first_copy_wins() -> None:
    parts = [part(2, "b", 3), part(1, "a", 1), part(1, "A", 2), part(3, "c", 4)]
    assert moparts.missing(parts) == 0
    message = moparts.joined(parts)
    assert (message.content, message.extension, message.received_at) == ("abc", "01", T0)


def test_an_incomplete_set_is_due_only_after_the_wait() -> None:
    parts = [part(1, "a", 1), part(3, "c", 2, at=T0 + timedelta(seconds=5))]
    assert moparts.missing(parts) == 1 and moparts.joined(parts).content == "ac"
    assert not moparts.due(parts, T0 + timedelta(seconds=599), 600)
    assert moparts.due(parts, T0 + timedelta(seconds=600), 600)
    assert moparts.due([part(1, "a", 1, total=1)], T0, 600)  # complete: at once
