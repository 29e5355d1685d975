"""What the links of one listener share: logins, rates, the enqueuer and the event feed."""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter

from hisms.adapters.socketintake.enqueue import Enqueuer
from hisms.adapters.socketintake.feed import Feed
from hisms.adapters.socketintake.settings import IntakeAccount, ListenerConfig
from hisms.carrier.session.ratelimit import TokenBucket
from hisms.engine.store.base import Store

log = logging.getLogger(__name__)


class Intake:
    def __init__(
        self, protocol: str, cfg: ListenerConfig, store: Store, enqueuer: Enqueuer, worker: str
    ) -> None:
        self.protocol = protocol  # "cmpp" or "smpp": in logs and as the rows' created_by
        self.cfg = cfg
        self.store = store
        self.enqueuer = enqueuer
        self.feed = Feed(store, cfg, worker)
        self._allow = [ipaddress.ip_network(a, strict=False) for a in cfg.allow_ips]
        self._buckets = {
            login: TokenBucket(a.rate, burst=max(1.0, a.rate or 0), full=True)
            for login, a in cfg.accounts.items()
        }
        self._links: Counter[str] = Counter()

    def allowed(self, address: str) -> bool:
        """Whether a peer at ``address`` may connect at all (``allow_ips``; empty: any)."""
        if not self._allow:
            return True
        ip = ipaddress.ip_address(address)
        return any(ip in network for network in self._allow)

    def account(self, login: str) -> IntakeAccount | None:
        return self.cfg.accounts.get(login)

    def open_link(self, login: str) -> bool:
        """Count a logged-in link of ``login``; False (not counted) past its ``max_links``."""
        account = self.cfg.accounts[login]
        if self._links[login] >= account.max_links:
            return False
        self._links[login] += 1
        return True

    def close_link(self, login: str) -> None:
        self._links[login] -= 1

    def may_submit(self, login: str) -> bool:
        """One submit of ``login`` within its rate (a token taken), else False: throttle it."""
        return self._buckets[login].try_take()

    def actor(self, login: str) -> str:
        return f"{self.protocol}:{login}"

    def login_failed(self, login: str, peer: str, status: int) -> None:
        log.warning(
            "intake %s: login %r from %s refused (status %s)", self.protocol, login, peer, status
        )
