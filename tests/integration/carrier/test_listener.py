"""The listener under the simulators, the SGIP server and the socket intake: its stop closes
every accepted connection, one whose handler has not started yet included. Before, such a
socket stayed open until the garbage collector found it: a ResourceWarning in a later test.
"""

from __future__ import annotations

import asyncio
import gc
import socket

from hisms.carrier.session.listener import Listener

TURNS = 12  # stop after 0..11 turns of the loop: some fall between accept and handler


def _stop_after(turns: int, started: list[int]) -> bytes:
    """Connect, let the loop turn ``turns`` times, stop; what the client reads then."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        started.append(turns)
        await reader.read()

    async def scenario() -> socket.socket:
        listener = Listener(handle, "127.0.0.1", 0)
        await listener.start()
        # A blocking connect: the kernel completes it; the loop accepts on a later turn.
        client = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
        for _ in range(turns):
            await asyncio.sleep(0)
        await listener.stop()
        return client

    with asyncio.run(scenario()) as client:
        try:
            return client.recv(16)
        except ConnectionResetError:  # stopped before the accept: the kernel resets it
            return b""


def test_stop_closes_every_accepted_connection_whether_its_handler_ran_or_not() -> None:
    started: list[int] = []
    assert [_stop_after(turns, started) for turns in range(TURNS)] == [b""] * TURNS
    assert 0 < len(started) < TURNS, started  # some handlers ran, some never did
    gc.collect()  # a socket left open warns here, and the warning fails the test


def test_connections_are_served_until_stop_and_closed_by_it() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readexactly(4))
        await reader.read()

    async def scenario() -> tuple[list[bytes], list[bytes], int]:
        listener = Listener(handle, "127.0.0.1", 0)
        await listener.start()
        clients = [await asyncio.open_connection("127.0.0.1", listener.port) for _ in range(3)]
        for n, (_, writer) in enumerate(clients):
            writer.write(b"pdu%d" % n)
        async with asyncio.timeout(5):
            echoed = [await reader.readexactly(4) for reader, _ in clients]
            await listener.stop()
            after = [await reader.read() for reader, _ in clients]
        for _, writer in clients:
            writer.close()
        return echoed, after, listener.close_connections()

    echoed, after, left = asyncio.run(scenario())
    assert echoed == [b"pdu0", b"pdu1", b"pdu2"]
    assert after == [b""] * 3 and left == 0
    gc.collect()
