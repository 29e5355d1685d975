"""Listening for CMPP or SMPP clients, and running the socket intake beside the engine.

:func:`running` starts what ``[intake.cmpp]`` and ``[intake.smpp]`` enable, with a
store of its own; a connection from an address outside ``allow_ips`` is closed at once,
one that breaks the protocol is dropped (logged, nothing lost: its unanswered submits
were never acknowledged and its unanswered reports go out again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from hisms.adapters.socketintake.cmpp import CmppLink
from hisms.adapters.socketintake.enqueue import Enqueuer
from hisms.adapters.socketintake.link import IntakeLink
from hisms.adapters.socketintake.service import Intake
from hisms.adapters.socketintake.smpp import SmppLink
from hisms.carrier.session.listener import Listener
from hisms.carrier.wire.errors import ProtocolError
from hisms.engine.config import Settings
from hisms.engine.store.base import Store

log = logging.getLogger(__name__)
MakeLink = Callable[[Intake, asyncio.StreamWriter, str], IntakeLink]
LINKS: dict[str, MakeLink] = {"cmpp": CmppLink, "smpp": SmppLink}


class IntakeServer:
    """One listener; :attr:`port` is the bound port (0 in the configuration picks one)."""

    def __init__(self, intake: Intake, make: MakeLink) -> None:
        self.intake = intake
        self.make = make
        self.port = intake.cfg.port
        self._listener = Listener(self._accept, intake.cfg.host, intake.cfg.port)
        self._links: set[IntakeLink] = set()

    async def start(self) -> None:
        await self._listener.start()
        self.port = self._listener.port
        self.intake.feed.start()
        log.info(
            "intake %s: listening on %s:%s", self.intake.protocol, self._listener.host, self.port
        )

    async def stop(self) -> None:
        for link in list(self._links):
            link.cancel()
        await self._listener.stop()
        await self.intake.feed.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = str(writer.get_extra_info("peername")[0])
        if not self.intake.allowed(peer):
            log.warning(
                "intake %s: connection from %s refused (allow_ips)", self.intake.protocol, peer
            )
            return
        link = self.make(self.intake, writer, peer)
        self._links.add(link)
        try:
            await link.run(reader)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except ProtocolError as exc:
            log.warning(
                "intake %s: dropping %s from %s, it broke the protocol: %s",
                self.intake.protocol, link.login or "a client", peer, exc,
            )  # fmt: skip
        finally:
            link.closed()
            self._links.discard(link)


@contextlib.asynccontextmanager
async def running(
    settings: Settings, open_store: Callable[[], Store]
) -> AsyncIterator[list[IntakeServer]]:
    """The enabled listeners, serving until the block ends."""
    enabled = [
        (name, cfg)
        for name, cfg in (("cmpp", settings.intake.cmpp), ("smpp", settings.intake.smpp))
        if cfg.enabled
    ]
    if not enabled:
        yield []
        return
    store = open_store()
    worker = settings.engine.resolved_worker_id()
    sources = sorted({s for _, cfg in enabled for s in cfg.sources()})
    added = await asyncio.to_thread(store.register_sources, sources, "table", worker)
    if added:  # their reports and MO are recorded in sms_event from now on
        log.info("intake: source systems %s registered (table mode)", ", ".join(added))
    # One connection of the pool stays free for the feeds' reads and acknowledgements.
    enqueuer = Enqueuer(store, writers=max(1, settings.database.pool_size - 1))
    enqueuer.start()
    servers = [
        IntakeServer(Intake(name, cfg, store, enqueuer, worker), LINKS[name])
        for name, cfg in enabled
    ]
    try:
        for server in servers:
            await server.start()
        yield servers
    finally:
        for server in servers:
            await server.stop()
        await enqueuer.stop()
        store.close()
