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
        self._server: asyncio.Server | None = None
        self._links: set[IntakeLink] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        cfg = self.intake.cfg
        self._server = await asyncio.start_server(self._accept, cfg.host, cfg.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self.intake.feed.start()
        log.info("intake %s: listening on %s:%s", self.intake.protocol, cfg.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            link.cancel()
            link.writer.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self.intake.feed.stop()
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peer = str(writer.get_extra_info("peername")[0])
        if not self.intake.allowed(peer):
            log.warning(
                "intake %s: connection from %s refused (allow_ips)", self.intake.protocol, peer
            )
            writer.close()
            return
        link = self.make(self.intake, writer, peer)
        self._handlers.add(task)
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
            self._handlers.discard(task)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()


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
