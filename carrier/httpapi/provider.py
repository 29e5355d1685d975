"""The part of an HTTP carrier that knows one provider's API.

A provider sends, reads pushes and polls; :class:`~hisms.carrier.httpapi.carrier.HttpCarrier`
does everything else. Its request building, signing and parsing belong in pure functions
(unit-tested); the methods here only move bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from starlette.responses import Response

from hisms.carrier.base import DeliveryReport, MoMessage, Submission
from hisms.carrier.httpapi.answers import Answer

Pushed = DeliveryReport | MoMessage


class PushError(ValueError):
    """A push the provider's format does not allow: answered as refused, nothing stored."""


@dataclass(frozen=True, slots=True)
class Sent:
    """A part the provider accepted and has not reported yet: what polling asks about."""

    carrier_msg_id: str
    phone: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Push:
    """One request the provider pushed to us: its headers, query and body."""

    kind: str  # the last path segment: /callbacks/<channel>/<kind>
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


class Provider(ABC):
    """One provider's API for channel ``name``.

    ``send`` gets parts of one text (at most ``max_numbers`` of them, one number each) and
    returns one :class:`Answer` per part, in order; a transport problem (an ``httpx``
    error, a timeout) may simply raise: the carrier answers RETRY for the request.
    """

    max_numbers = 1  # numbers one request may carry (with the same text)
    push_kinds: tuple[str, ...] = ("report", "mo")  # the callback paths it serves
    polls = False  # whether :meth:`poll` asks the provider (else nothing is polled)
    pulls_replies = False  # whether :meth:`pull_replies` asks the provider for replies

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    async def send(self, parts: Sequence[Submission]) -> list[Answer]: ...

    @abstractmethod
    def read_push(self, push: Push) -> list[Pushed]:
        """The reports and replies one push carries; :class:`PushError` if it is not one."""

    @abstractmethod
    def push_reply(self, stored: bool) -> Response:
        """What the provider expects back: success once stored, else an error it re-pushes."""

    async def poll(self, sent: Sequence[Sent]) -> list[Pushed]:
        """Reports (and replies) for parts sent and not reported; the ones still unknown are
        simply absent. Only called when :attr:`polls`."""
        return []

    async def pull_replies(self) -> list[Pushed]:
        """Replies (and reports) waiting at the provider, each once; only called when
        :attr:`pulls_replies`, every ``poll_every_seconds``."""
        return []

    def address(self) -> tuple[str, int] | None:
        """The API's host and port (``hisms doctor`` reaches it); None: not known."""
        return None

    async def close(self) -> None:  # noqa: B027 (most providers hold nothing of their own)
        """Release what the provider holds (an SDK's client)."""


def url_address(url: str) -> tuple[str, int]:
    """Host and port of an http(s) URL, the scheme's port when it names none."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
