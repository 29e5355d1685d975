"""Request nonces shared by every engine of one database (``sms_nonce``).

A signed JSON API request and a WebService PasswordDigest token each carry a nonce; the
first engine to insert it accepts the request, any other (or a second try at the same one)
sees the unique key and refuses it as a replay. Only a SHA-256 of the nonce is stored.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from hisms.engine.store.base import Store

log = logging.getLogger(__name__)

PURGE_EVERY = 60.0  # seconds between deletions of expired nonces, per engine


class NonceBook:
    """Nonces of one ``scope`` ("api", "ws"), each kept ``ttl`` seconds."""

    def __init__(
        self, store: Store, scope: str, ttl: float, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._scope = scope
        self._ttl = ttl
        self._clock = clock
        self._purged = 0.0
        self._purging = threading.Lock()

    def fresh(self, caller: str, nonce: bytes) -> bool:
        """True the first time ``caller`` presents ``nonce`` to any engine (a blocking
        database call: from a thread when in the event loop)."""
        now = self._clock()
        self._purge(now)
        key = hashlib.sha256(f"{self._scope}\0{caller.casefold()}\0".encode() + nonce)
        return self._store.take_nonce(key.hexdigest(), _utc(now + self._ttl))

    def _purge(self, now: float) -> None:
        if now - self._purged < PURGE_EVERY or not self._purging.acquire(blocking=False):
            return
        try:
            self._purged = now
            gone = self._store.purge_nonces(_utc(now))
            if gone:
                log.debug("forgot %d expired %s nonces", gone, self._scope)
        finally:
            self._purging.release()


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)
