"""Choosing a channel for a number: the first enabled channel serving its operator."""

from __future__ import annotations

from collections.abc import Sequence

from hisms.engine import phone
from hisms.engine.config import ChannelConfig


class Router:
    def __init__(self, channels: Sequence[ChannelConfig]) -> None:
        self._routes: dict[str, str] = {}
        for channel in channels:
            if not channel.enabled:
                continue
            for operator in channel.operators:
                self._routes.setdefault(operator, channel.name)

    def route(self, number: str) -> str | None:
        """The channel for a normalised number, or None when no channel serves its operator."""
        return self._routes.get(phone.operator(number))
