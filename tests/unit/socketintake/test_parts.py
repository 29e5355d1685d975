"""Long submits joined from their parts, with each part's answer token kept."""

from __future__ import annotations

from hisms.adapters.socketintake.parts import Parts
from hisms.carrier.wire.udh import Concat


def test_joined_in_order_whatever_the_arrival() -> None:
    parts: Parts[int] = Parts(ttl=60)
    assert parts.add("138", Concat(7, 3, 3), "c", 13, now=0) is None
    assert parts.add("138", Concat(7, 3, 1), "a", 11, now=0) is None
    assert parts.add("139", Concat(7, 3, 2), "x", 99, now=0) is None  # another number
    whole = parts.add("138", Concat(7, 3, 2), "b", 12, now=1)
    assert whole is not None and (whole.text, whole.tokens) == ("abc", [13, 11, 12])
    assert len(parts) == 1  # the other number's part still waits


def test_a_repeated_part_is_answered_too() -> None:
    parts: Parts[int] = Parts(ttl=60)
    parts.add("138", Concat(1, 2, 1), "a", 1, now=0)
    parts.add("138", Concat(1, 2, 1), "a", 2, now=0)
    whole = parts.add("138", Concat(1, 2, 2), "b", 3, now=0)
    assert whole is not None and (whole.text, whole.tokens) == ("ab", [1, 2, 3])


def test_incomplete_sets_expire_with_their_tokens() -> None:
    parts: Parts[str] = Parts(ttl=10)
    parts.add("138", Concat(1, 2, 1), "a", "old", now=0)
    parts.add("139", Concat(2, 2, 1), "a", "new", now=5)
    assert parts.expired(now=9) == []
    assert parts.expired(now=10) == ["old"]
    assert len(parts) == 1
