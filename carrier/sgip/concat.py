"""Joining the parts of long MO messages (UDH concatenation) into one text.

Protocol-neutral: SGIP and SMGP DELIVER handlers feed it each part's sender,
service number, concatenation info and decoded text. Incomplete sets are
forgotten after ``ttl`` seconds, so a lost part never pins memory.
"""

from __future__ import annotations

import time

from hisms.carrier.udh import Concat

_Key = tuple[str, str, int, int]  # sender, service number, reference, total


class MoParts:
    def __init__(self, ttl: float = 600.0) -> None:
        self.ttl = ttl
        self._parts: dict[_Key, tuple[float, dict[int, str]]] = {}

    def add(self, phone: str, service_number: str, concat: Concat | None, text: str) -> str | None:
        """The whole text once every part is in (at once for a single part), else None."""
        if concat is None or concat.total <= 1:
            return text
        now = time.monotonic()
        self._parts = {k: v for k, v in self._parts.items() if now - v[0] < self.ttl}
        key = (phone, service_number, concat.ref, concat.total)
        parts = self._parts.setdefault(key, (now, {}))[1]
        parts[concat.seq] = text
        if len(parts) < concat.total:
            return None
        del self._parts[key]
        return "".join(parts[i] for i in sorted(parts))
