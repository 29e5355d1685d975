"""Choosing a channel for a number: the first enabled channel serving its operator."""

from __future__ import annotations

from collections.abc import Sequence

from hisms.engine import phone
from hisms.engine.config import ChannelConfig


class Router:
    def __init__(self, channels: Sequence[ChannelConfig]) -> None:
        self._routes: dict[str, list[str]] = {}
        for channel in channels:
            if not channel.enabled:
                continue
            for operator in channel.operators:
                self._routes.setdefault(operator, []).append(channel.name)

    def route(self, number: str, avoid: str | None = None) -> str | None:
        """The channel for a normalised number, or None when no channel serves its operator.
        ``avoid``: a channel whose delivery report failed; another is taken if one serves."""
        serving = self._routes.get(phone.operator(number), [])
        others = [name for name in serving if name != avoid]
        choices = others or serving
        return choices[0] if choices else None
