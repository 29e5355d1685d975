"""The daily summary email: yesterday's messages per channel and source system, and alarms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

_HEADER = f"{'':<16} {'messages':>9} {'submitted':>9} {'delivered':>9} {'failed':>7} {'success':>8}"


def compose(
    day: date, totals: Sequence[Mapping[str, Any]], alarms: Sequence[Mapping[str, Any]]
) -> str:
    lines = [f"hisms daily summary for {day.isoformat()}", ""]
    for title, key in (("per channel", "channel"), ("per source system", "source_system")):
        lines += [title, "  " + _HEADER]
        for name, row in _grouped(totals, key).items():
            rate = f"{100 * row['delivered'] / row['submitted']:.1f}%" if row["submitted"] else "-"
            lines.append(
                f"  {name:<16} {row['messages']:>9} {row['submitted']:>9} "
                f"{row['delivered']:>9} {row['failed']:>7} {rate:>8}"
            )
        lines.append("")
    lines.append(f"alarms ({len(alarms)})")
    lines += [
        f"  {a['event_at']} {a['event']:<8} {a['alarm']} {a['subject'] or ''}: {a['message']}"
        for a in sorted(alarms, key=lambda a: a["id"])
    ] or ["  none"]
    return "\n".join(lines) + "\n"


def _grouped(totals: Sequence[Mapping[str, Any]], key: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in totals:
        into = found[row[key] or "(none)"]
        for column in ("messages", "submitted", "delivered", "failed"):
            into[column] += int(row[column] or 0)
    return dict(sorted(found.items()))
