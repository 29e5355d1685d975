"""Opening one link and logging in, retried with exponential backoff (tenacity).

Every failure (refused, unreachable, timed out, garbage) waits longer than the
last, from ``reconnect_min_seconds`` up to ``reconnect_max_seconds``, so a wrong
secret or a dead gateway never turns into a hot reconnect loop. A link that
drops soon after its login counts as a failure too (a gateway that accepts the
login and hangs up at once); only a link that stays up longer than the longest
wait starts the backoff again from the shortest (:class:`Backoff`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from hisms.carrier.session.adapter import LoginRefused, ProtocolAdapter
from hisms.carrier.session.settings import SessionSettings, SessionStats
from hisms.carrier.wire.connection import NEED_DATA, Connection

LOGIN_SEQ = 1
READ_SIZE = 65536


@dataclass(slots=True)
class Opened:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    conn: Connection[Any]


class Backoff:
    """One link's wait before its next login, kept across logins and drops."""

    def __init__(self, settings: SessionSettings) -> None:
        self.shortest = settings.reconnect_min_seconds
        self.longest = settings.reconnect_max_seconds
        self._next = self.shortest

    def next(self) -> float:
        """The wait before this login; each one doubles the next, up to the longest."""
        delay, self._next = self._next, min(self._next * 2, self.longest)
        return delay

    def link_lasted(self, seconds: float) -> None:
        """A link that outlived the longest wait was no hang-up at login: start again."""
        if seconds > self.longest:
            self._next = self.shortest


FailureHook = Callable[[str, float], None]  # (reason, seconds until the next try)
# Opens a TCP stream to (host, port): asyncio.open_connection, or an in-memory one in tests.
Connect = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]


async def open_with_backoff(
    settings: SessionSettings,
    adapter: ProtocolAdapter,
    stats: SessionStats,
    failed: FailureHook,
    backoff: Backoff,
    connect: Connect = asyncio.open_connection,
) -> Opened:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        stats.login_failures += 1
        reason = f"login refused: {error}" if isinstance(error, LoginRefused) else repr(error)
        failed(reason, state.upcoming_sleep)

    retrying = AsyncRetrying(
        wait=lambda state: backoff.next(),
        # Anything but cancellation: a surprise in login must not end the link for good.
        retry=retry_if_exception_type(Exception),
        before_sleep=before_sleep,
    )
    async for attempt in retrying:
        with attempt:
            stats.logins += 1
            opened = await open_once(settings, adapter, connect)
    return opened


async def open_once(
    settings: SessionSettings, adapter: ProtocolAdapter, connect: Connect = asyncio.open_connection
) -> Opened:
    # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
    # arrives as the connect fails, and the retry loop would then log in forever, holding
    # up the engine's stop.
    async with asyncio.timeout(settings.connect_timeout_seconds):
        reader, writer = await connect(settings.host, settings.port)
    try:
        conn = adapter.new_connection()
        writer.write(conn.send(adapter.login(LOGIN_SEQ)))
        async with asyncio.timeout(settings.connect_timeout_seconds):
            answer = await read_one(reader, conn)
        adapter.check_login(answer)
    except BaseException:
        writer.close()
        await closed(writer)
        raise
    return Opened(reader, writer, conn)


async def read_one(reader: asyncio.StreamReader, conn: Connection[Any]) -> Any:
    while (pdu := conn.next_event()) is NEED_DATA:
        data = await reader.read(READ_SIZE)
        if not data:
            raise ConnectionError("the gateway closed the connection during login")
        conn.receive_data(data)
    return pdu


async def closed(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(2.0):
            await writer.wait_closed()
