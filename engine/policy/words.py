"""Sensitive words, matched with Aho-Corasick over normalised text.

Text and words are compared :func:`~hisms.engine.policy.text.folded`: full-width as
half-width, case folded, and spaces or punctuation between characters removed, so
``法 轮 功``, ``ＦＡＬＵＮ`` and ``f.a.l.u.n`` are caught. A list of thousands of Chinese
words gives the automaton's root thousands of children, which pyahocorasick scans one by
one for every character: a set of the words' first two characters answers first whether
any word can be in the text at all (what most messages get). Medical vocabulary that contains a
sensitive word (``大麻风`` leprosy holds ``大麻``) is an *allowed term*: a match that lies
within, or runs into, an allowed term's occurrence is not a hit. The common case (no
match) costs one normalisation and one automaton pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from hisms.engine.policy.text import folded, folded_with_positions

MASK = "*"


@dataclass(frozen=True, slots=True)
class Hit:
    word: str  # as listed
    start: int  # in the folded text
    end: int  # exclusive


class WordFilter:
    def __init__(self, words: Iterable[str], allowed: Iterable[str] = ()) -> None:
        keys = {folded(w): w for w in words}
        keys.pop("", None)
        self._words = _automaton(keys)
        self._allowed = _automaton({folded(w): w for w in allowed})
        self._heads = {k[:2] for k in keys if len(k) > 1}
        self._singles = {k for k in keys if len(k) == 1}

    def __bool__(self) -> bool:
        return len(self._words) > 0

    def hits(self, text: str) -> list[Hit]:
        """The sensitive words in ``text``, allowed terms left out, in order."""
        return self._hits(folded(text)) if self else []

    def mask(self, text: str) -> str:
        """``text`` with the characters of each hit replaced by ``*`` (separators inside a hit
        too), everything else as written."""
        flat, where = folded_with_positions(text)
        chars = list(text)
        for hit in self._hits(flat):
            for i in range(where[hit.start], where[hit.end - 1] + 1):
                chars[i] = MASK
        return "".join(chars)

    def _may_hit(self, flat: str) -> bool:
        heads = self._heads
        return any(flat[i : i + 2] in heads for i in range(len(flat) - 1)) or (
            bool(self._singles) and not self._singles.isdisjoint(flat)
        )

    def _hits(self, flat: str) -> list[Hit]:
        if not self._words or not self._may_hit(flat):
            return []
        found = [
            Hit(word, end + 1 - len(key), end + 1) for end, (key, word) in self._words.iter(flat)
        ]
        if not found or not self._allowed:
            return found
        terms = [(end + 1 - len(key), end + 1) for end, (key, _) in self._allowed.iter(flat)]
        return [h for h in found if not any(_covers(t, h) for t in terms)]


def _covers(term: tuple[int, int], hit: Hit) -> bool:
    """An allowed term overlaps the hit and reaches past it: the hit is part of the term
    (大麻 in 大麻风), or straddles into it (乳交 in 乳，交费)."""
    start, end = term
    overlaps = start < hit.end and hit.start < end
    return overlaps and (start < hit.start or end > hit.end or (start, end) == (hit.start, hit.end))


def _automaton(keys: dict[str, str]) -> ahocorasick.Automaton:
    """Folded key -> the word as listed."""
    automaton = ahocorasick.Automaton()
    for key, word in keys.items():
        if key:
            automaton.add_word(key, (key, word))
    if len(automaton):
        automaton.make_automaton()
    return automaton
