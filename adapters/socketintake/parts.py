"""Long submits arrive as parts (a UDH, or SMPP sar_* TLVs); one message goes in once all are.

Pure bookkeeping: :meth:`Parts.add` keeps a part with its ``token`` (what the link needs
to answer that part's PDU later) and, with the last part, hands back the whole text and
every token. A set that does not complete within ``ttl`` seconds is handed back by
:meth:`Parts.expired` so its parts can be refused rather than never answered.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hisms.carrier.wire.udh import Concat

T = TypeVar("T")


@dataclass(slots=True)
class _Set(Generic[T]):
    started: float
    texts: dict[int, str] = field(default_factory=dict)
    tokens: list[T] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Whole(Generic[T]):
    text: str
    tokens: list[T]  # one per part received, in arrival order (a repeated part included)


class Parts(Generic[T]):
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._sets: dict[tuple[Hashable, int, int], _Set[T]] = {}

    def add(
        self, key: Hashable, concat: Concat, text: str, token: T, now: float
    ) -> Whole[T] | None:
        """Keep one part of the message ``key`` names (its destination); the whole
        message once its every part is in, else None."""
        set_key = (key, concat.ref, concat.total)
        parts = self._sets.setdefault(set_key, _Set(now))
        parts.texts[concat.seq] = text
        parts.tokens.append(token)
        if len(parts.texts) < concat.total:
            return None
        del self._sets[set_key]
        return Whole("".join(parts.texts[i] for i in sorted(parts.texts)), parts.tokens)

    def expired(self, now: float) -> list[T]:
        """The tokens of every set older than ``ttl``, now forgotten."""
        old = [k for k, s in self._sets.items() if now - s.started >= self.ttl]
        return [token for k in old for token in self._sets.pop(k).tokens]

    def __len__(self) -> int:
        return sum(len(s.tokens) for s in self._sets.values())
