"""The asyncio runtime every binary protocol shares: one channel of links to a gateway.

``channel`` (ChannelSession: queue, links, outcomes, channel state), ``link`` (one
TCP link: login, window, keep-alive), ``login``, ``queue``, ``ratelimit``, ``acks``,
``adapter`` (what a protocol supplies), ``settings`` and ``options`` (the shared
options and their checks), ``carrier`` (the Carrier facade). The server side, for the
simulators, the SGIP listener and the socket intake: ``listener`` (accepting, and closing
every connection at stop) and ``serving`` (one accepted connection).
"""

from hisms.carrier.session.adapter import (
    Answer,
    LoginRefused,
    PeerRequest,
    ProtocolAdapter,
    SubmitAnswer,
    Verdict,
)
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.session.settings import SessionSettings, SessionStats

__all__ = [
    "Answer",
    "ChannelSession",
    "LoginRefused",
    "PeerRequest",
    "ProtocolAdapter",
    "SessionCarrier",
    "SessionSettings",
    "SessionStats",
    "SubmitAnswer",
    "Verdict",
]
