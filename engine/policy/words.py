"""Sensitive words, matched with Aho-Corasick over normalised text.

Text and words are compared :func:`~hisms.engine.policy.text.folded`: full-width as
half-width, case folded, and spaces or punctuation between characters removed, so
``法 轮 功``, ``ＦＡＬＵＮ`` and ``f.a.l.u.n`` are caught. Medical vocabulary that contains a
sensitive word (``大麻风`` leprosy holds ``大麻``) is an *allowed term*: a match that lies
within, or runs into, an allowed term's occurrence is not a hit.

The automaton runs over the UTF-8 bytes of the folded text (each byte a character of a
latin-1 string), not over its characters: pyahocorasick finds a node's child by scanning
its children one by one, and thousands of Chinese words give the root thousands of
children, scanned for every character (100 us a message with 10,000 words). As bytes,
no node has more than 256 children (the first byte of a common CJK character is one of
six). UTF-8 is self-synchronising, so a word's bytes only match at a character boundary:
the hits are the same. Offsets (:class:`Hit`) count those bytes.
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
    start: int  # byte offset in the folded text's UTF-8
    end: int  # exclusive


class WordFilter:
    def __init__(self, words: Iterable[str], allowed: Iterable[str] = ()) -> None:
        self._words = _automaton({_bytes(folded(w)): w for w in words})
        self._allowed = _automaton({_bytes(folded(w)): w for w in allowed})

    def __bool__(self) -> bool:
        return len(self._words) > 0

    def hits(self, text: str) -> list[Hit]:
        """The sensitive words in ``text``, allowed terms left out, in order."""
        return self._hits(_bytes(folded(text))) if self else []

    def mask(self, text: str) -> str:
        """``text`` with the characters of each hit replaced by ``*`` (separators inside a hit
        too), everything else as written."""
        flat, chars_at = folded_with_positions(text)
        # the index in ``text`` of each byte of the folded text
        where = [i for char, i in zip(flat, chars_at, strict=True) for _ in char.encode()]
        chars = list(text)
        for hit in self._hits(_bytes(flat)):
            for i in range(where[hit.start], where[hit.end - 1] + 1):
                chars[i] = MASK
        return "".join(chars)

    def _hits(self, flat: str) -> list[Hit]:
        if not self._words:
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


def _bytes(flat: str) -> str:
    """The UTF-8 of ``flat``, a byte a character (what the automata hold and scan)."""
    return flat.encode().decode("latin-1")


def _automaton(keys: dict[str, str]) -> ahocorasick.Automaton:
    """Folded key (as :func:`_bytes`) -> the word as listed."""
    automaton = ahocorasick.Automaton()
    for key, word in keys.items():
        if key:
            automaton.add_word(key, (key, word))
    if len(automaton):
        automaton.make_automaton()
    return automaton
