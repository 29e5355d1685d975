"""Splitting message text into SMS parts (3GPP TS 23.040 concatenation), in the
data coding the channel chose for the whole message (:meth:`Carrier.coding`).

A single UCS2 SMS holds 140 bytes = 70 UTF-16 code units; a concatenated part
loses 6 bytes to the UDH and holds 67. Characters outside the BMP (emoji) take
two code units and are never split across parts. In the default alphabet
(data coding 0, text whose every character is one GSM 7-bit septet, sent one
octet each) an SMS holds 160 characters and a part 153.
"""

from __future__ import annotations

from dataclasses import dataclass

from hisms.carrier.wire import udh
from hisms.carrier.wire.text import ASCII, PROVIDER_SPLITS, UCS2

SINGLE_UNITS = 70
PART_UNITS = 67
MAX_PARTS = 255
# data coding -> (units in a single SMS, units in a concatenated part, encoding)
_CAPACITY = {UCS2: (SINGLE_UNITS, PART_UNITS, "utf-16-be"), ASCII: (160, 153, "ascii")}


@dataclass(frozen=True, slots=True)
class Part:
    seq: int
    total: int
    text: str
    body: bytes  # the text in ``coding`` (UTF-16-BE or ASCII), without UDH
    udh: bytes
    coding: int = UCS2


def units(text: str) -> int:
    """Length in UTF-16 code units, which is what the 140-byte limit counts."""
    return len(text.encode("utf-16-be")) // 2


def count(text: str) -> int:
    """Number of parts ``text`` needs."""
    n = units(text)
    return 1 if n <= SINGLE_UNITS else -(-n // PART_UNITS)


def split(text: str, ref: int, coding: int = UCS2) -> list[Part]:
    """The parts of ``text`` in ``coding`` (UCS2, or ASCII for the default alphabet);
    ``ref`` (0-255) ties the parts together on the handset. ``PROVIDER_SPLITS``: the whole
    text as one part (in UTF-8), which the channel's provider splits itself."""
    if coding == PROVIDER_SPLITS:
        return [Part(1, 1, text, text.encode("utf-8"), b"", coding)]
    single, per_part, encoding = _CAPACITY[coding]
    if _units(text, coding) <= single:
        return [Part(1, 1, text, text.encode(encoding), b"", coding)]
    chunks = _chunks(text, coding, per_part)
    if len(chunks) > MAX_PARTS:
        raise ValueError(f"text needs {len(chunks)} parts, the maximum is {MAX_PARTS}")
    total = len(chunks)
    return [
        Part(seq, total, chunk, chunk.encode(encoding), udh.build(ref, total, seq), coding)
        for seq, chunk in enumerate(chunks, start=1)
    ]


def _units(text: str, coding: int) -> int:
    return units(text) if coding == UCS2 else len(text)


def _chunks(text: str, coding: int, per_part: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        width = 2 if coding == UCS2 and ord(char) > 0xFFFF else 1
        if used + width > per_part:
            chunks.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += width
    chunks.append("".join(current))
    return chunks
