"""What one check found: a verdict, what it saw, and the fix when it is not a pass."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Verdict(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"  # works now, will hurt later (low disk, a second of skew)
    FAIL = "fail"
    SKIP = "skip"  # cannot be checked from here; the detail says why


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    verdict: Verdict
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.verdict.upper():<4}  {self.check}: {self.detail}"
        return f"{text}\n      fix: {self.fix}" if self.fix else text

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": str(self.verdict)}


def passed(check: str, detail: str) -> Finding:
    return Finding(check, Verdict.PASS, detail)


def failed(check: str, detail: str, fix: str) -> Finding:
    return Finding(check, Verdict.FAIL, detail, fix)
