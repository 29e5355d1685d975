"""Splitting message text into SMS parts (UCS2, 3GPP TS 23.040 concatenation).

A single UCS2 SMS holds 140 bytes = 70 UTF-16 code units; a concatenated part
loses 6 bytes to the UDH and holds 67. Characters outside the BMP (emoji) take
two code units and are never split across parts.
"""

from __future__ import annotations

from dataclasses import dataclass

from hisms.carrier.wire import udh

SINGLE_UNITS = 70
PART_UNITS = 67
MAX_PARTS = 255


@dataclass(frozen=True, slots=True)
class Part:
    seq: int
    total: int
    text: str
    body: bytes  # UTF-16-BE, without UDH
    udh: bytes


def units(text: str) -> int:
    """Length in UTF-16 code units, which is what the 140-byte limit counts."""
    return len(text.encode("utf-16-be")) // 2


def count(text: str) -> int:
    """Number of parts ``text`` needs."""
    n = units(text)
    return 1 if n <= SINGLE_UNITS else -(-n // PART_UNITS)


def split(text: str, ref: int) -> list[Part]:
    """The parts of ``text``; ``ref`` (0-255) ties the parts together on the handset."""
    if units(text) <= SINGLE_UNITS:
        return [Part(1, 1, text, text.encode("utf-16-be"), b"")]
    chunks = _chunks(text)
    if len(chunks) > MAX_PARTS:
        raise ValueError(f"text needs {len(chunks)} parts, the maximum is {MAX_PARTS}")
    total = len(chunks)
    return [
        Part(seq, total, chunk, chunk.encode("utf-16-be"), udh.build(ref, total, seq))
        for seq, chunk in enumerate(chunks, start=1)
    ]


def _chunks(text: str) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > PART_UNITS:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += width
    chunks.append("".join(current))
    return chunks
