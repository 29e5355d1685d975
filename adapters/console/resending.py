"""Which channels a failed message may be sent again through: the channels the engines report
(sms_channel_state) that an operator has not disabled or set draining, other than the one
that failed. The new message is pinned to the chosen one (sms_outbox.pinned_channel)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hisms.engine.store.base import Store

SHUT = {"DISABLED", "DRAINING"}  # admin modes that take no new traffic
STATE_NAMES = {"UP": "正常", "DEGRADED": "降级", "DOWN": "中断", "DISABLED": "停用"}


@dataclass(frozen=True, slots=True)
class Choice:
    channel: str
    label: str  # the channel and how the engines see it


def channel_choices(
    states: Iterable[Mapping[str, Any]], modes: Iterable[Mapping[str, Any]], failed: str | None
) -> list[Choice]:
    """The channels to offer, by name, each with its best state over the engines."""
    shut = {m["channel"] for m in modes if m["admin_mode"] in SHUT}
    seen: dict[str, set[str]] = {}
    for s in states:
        seen.setdefault(s["channel"], set()).add(str(s["state"]))
    choices = []
    for channel, found in sorted(seen.items()):
        if channel == failed or channel in shut or found == {"DISABLED"}:
            continue
        best = next((s for s in STATE_NAMES if s in found), sorted(found)[0])
        choices.append(Choice(channel, f"{channel}（{STATE_NAMES.get(best, best)}）"))
    return choices


def choices_for(store: Store, failed: str | None) -> list[Choice]:
    return channel_choices(store.channel_states(), store.channel_modes(), failed)
