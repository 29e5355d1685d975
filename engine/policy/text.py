"""Normalising text before it is compared: what a person would read as the same word."""

from __future__ import annotations

import re
import unicodedata

# Spaces, punctuation and symbols inserted between the characters of a word ("T D",
# "退。订", "法*轮"): not letters, digits or CJK characters.
_SEPARATORS = re.compile(r"[\W_]+")


def folded(text: str) -> str:
    """Full-width as half-width (NFKC), case folded, separators removed.

    Separators go first: Chinese text is full of full-width punctuation (，：。), whose
    NFKC rewrite is most of the cost, while what is left is nearly always NFKC already
    (a quick check). NFKC can make separators (``½`` gives a fraction slash), and
    so can case folding (``İ`` gives a combining dot): each is swept after.
    """
    flat = _SEPARATORS.sub("", text.casefold())
    if not unicodedata.is_normalized("NFKC", flat):
        flat = _SEPARATORS.sub("", unicodedata.normalize("NFKC", flat).casefold())
    return flat


def folded_with_positions(text: str) -> tuple[str, list[int]]:
    """:func:`folded` text, and for each of its characters the index in ``text`` it came from
    (to mask the original characters of a match)."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        for piece in folded(char):
            out.append(piece)
            where.append(i)
    return "".join(out), where
