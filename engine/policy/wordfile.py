"""A sensitive-word file (the regulator's list): one word a line, loaded into the database.

Words from a file carry ``file:<its name>`` as their note, so loading the file again adds
what it gained and removes what it lost without touching words added by hand, and loading
an unchanged file writes nothing (which is what lets every start load it).
"""

from __future__ import annotations

from pathlib import Path

from hisms.engine.store.policystore import PolicyStore, Who

WORD_COLUMN = 64  # sms_sensitive_word.word


def read_words(path: Path) -> list[str]:
    """The file's words: blank lines and lines starting with ``#`` skipped; a word longer
    than the column raises ValueError naming its line."""
    words = []
    for n, line in enumerate(path.read_text("utf-8-sig").splitlines(), start=1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if len(word) > WORD_COLUMN:
            raise ValueError(f"{path} line {n}: a word of more than {WORD_COLUMN} characters")
        words.append(word)
    return words


def load_file(store: PolicyStore, path: Path, who: Who) -> tuple[int, int]:
    """Load ``path`` into the word list; how many words were added and removed."""
    return store.load_words(read_words(path), f"file:{path.name}", who)
