"""A TCP listener whose stop closes every connection it accepted.

Shared by the gateway simulators, the SGIP server (the SMG connects to us) and the socket
intake. Two races of ``asyncio.start_server`` leave a socket open at a stop, to be found
by the garbage collector as a ResourceWarning in whatever runs then: a connection's
handler runs in a task that starts on a later turn, and a stop in between cancels it
before its first step (its ``finally`` never runs); and a connection accepted as the
server closes fails to attach its transport. Here the connection is registered when it is
accepted, accepts under way are finished before the close, and :meth:`Listener.stop`
closes each connection whether or not its handler ran.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

ACCEPT_TURNS = 4
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Listener:
    """Serves ``handle`` on ``host:port``; :attr:`port` is the bound port (0 picks one).
    The handler need not close its writer: the listener does once it returns."""

    def __init__(self, handle: Handler, host: str, port: int) -> None:
        self.handle = handle
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self) -> None:
        self._stopping = False
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def close_connections(self) -> int:
        """Close every open connection (the handlers see the peer gone); how many."""
        writers = list(self._writers)
        for writer in writers:
            writer.close()
        return len(writers)

    async def stop(self) -> None:
        # Stopping first: a connection that reaches _accept from now on is closed at once.
        self._stopping = True
        server, self._server = self._server, None
        if server is not None:
            await _finish_accepts(server)
            server.close()
        self.close_connections()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    # A plain function, not a coroutine: start_server calls it as the connection is made,
    # so the writer is registered before any task could be cancelled unstarted.
    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._stopping:
            writer.close()
            return
        self._writers.add(writer)
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self.handle(reader, writer)
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()


async def _finish_accepts(server: asyncio.Server) -> None:
    """Stop accepting, and let the connections already accepted reach the protocol.

    asyncio accepts in a task that makes the transport on a later turn; if the server is
    closed first, that transport fails to attach (Python 3.11) and its socket stays open.
    Without the listening sockets' reader no accept starts; ACCEPT_TURNS turns take the
    ones under way through the transport, connection_made (_accept closes it) and the
    socket's close.
    """
    loop = asyncio.get_running_loop()
    for sock in server.sockets:
        loop.remove_reader(sock.fileno())
    for _ in range(ACCEPT_TURNS):
        await asyncio.sleep(0)
