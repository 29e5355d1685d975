"""The socket intake on real sockets and a real SQLite file, in a thread of the test process.

The listeners run on their own event loop (as in ``hisms run``) so blocking clients
(smpplib, a raw socket) can drive them from the test. What the engine would do after
intake (sending, reports, replies) is played with SQL: a status change or an
``sms_inbox`` row fires the same ``sms_event`` triggers.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hisms.adapters.socketintake.server import IntakeServer, running
from hisms.carrier.cmpp import auth, pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.wire import udh
from hisms.carrier.wire.connection import NEED_DATA, Connection, Role
from hisms.engine.config import Settings
from hisms.engine.store import open_store

PHONE = "13800138000"
ACCOUNTS = {"lis": {"password": "s3cret", "source_system": "LIS"}}
LISTENER = {"enabled": True, "port": 0, "poll_seconds": 0.05, "keepalive_seconds": 5}


class IntakeThread:
    def __init__(self, url: str, **listeners: dict[str, Any]) -> None:
        intake = {
            name: {**LISTENER, "accounts": ACCOUNTS, **cfg} for name, cfg in listeners.items()
        }
        self.settings = Settings(database={"url": url}, intake=intake)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._stop = asyncio.Event()
        started: Future[list[IntakeServer]] = Future()
        self._done = asyncio.run_coroutine_threadsafe(self._serve(started), self.loop)
        self.servers = {s.intake.protocol: s for s in started.result(timeout=10)}

    async def _serve(self, started: Future[list[IntakeServer]]) -> None:
        url = self.settings.database.url.get_secret_value()
        async with running(self.settings, lambda: open_store(url)) as servers:
            started.set_result(servers)
            await self._stop.wait()

    def port(self, protocol: str) -> int:
        return self.servers[protocol].port

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._done.result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class Db:
    """Plain SQL on the SQLite file, as the engine would change it."""

    def __init__(self, url: str) -> None:
        self.path = Path(url.removeprefix("sqlite:///"))

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, params).fetchall()

    def deliver(self, outbox_id: int, stat: str = "DELIVRD") -> None:
        status = 3 if stat == "DELIVRD" else 4
        self.query(
            "UPDATE sms_outbox SET status = ?, report_stat = ? WHERE id = ?",
            status,
            stat,
            outbox_id,
        )

    def reply(self, phone: str, content: str, source: str = "LIS") -> None:
        self.query(
            "INSERT INTO sms_inbox (channel, phone, service_number, content, received_at,"
            " source_system) VALUES ('cmcc', ?, '1069012302', ?,"
            " strftime('%Y-%m-%d %H:%M:%f', 'now'), ?)",
            phone, content, source,
        )  # fmt: skip

    def acked(self) -> int:
        return self.query("SELECT count(*) FROM sms_event WHERE socket_acked_at IS NOT NULL")[0][0]


def wait(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


class Sp:
    """A blocking CMPP 3.0 client over the sans-IO connection in the client role."""

    def __init__(self, port: int, login: str = "lis", secret: str = "s3cret") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.conn: Connection[Any] = Connection(CmppCodec(pdus.V30), Role.CLIENT)
        self.seq = 0
        self.send(auth.connect(self.next(), login, secret, pdus.V30, datetime.now()))
        self.login = self.read(pdus.ConnectResp)

    def next(self) -> int:
        self.seq += 1
        return self.seq

    def send(self, pdu: Any) -> None:
        self.sock.sendall(self.conn.send(pdu))

    def read(self, kind: type, timeout: float = 5) -> Any:
        self.sock.settimeout(timeout)
        while True:
            pdu = self.conn.next_event()
            if pdu is NEED_DATA:
                data = self.sock.recv(65536)
                self.conn.receive_data(data)
                if not data:
                    return None
            elif isinstance(pdu, kind):
                return pdu

    def submit(self, text: str, phone: str = PHONE) -> list[pdus.SubmitResp]:
        body = text.encode("utf-16-be")
        parts = (
            [body] if len(body) <= 140 else [body[i : i + 134] for i in range(0, len(body), 134)]
        )
        for n, part in enumerate(parts, 1):
            header = udh.build(7, len(parts), n) if len(parts) > 1 else b""
            self.send(
                pdus.Submit(
                    self.next(), (phone,), header + part, pk_total=len(parts), pk_number=n,
                    tp_udhi=1 if header else 0, msg_src="lis", src_id="10690123",
                )
            )  # fmt: skip
        return [self.read(pdus.SubmitResp) for _ in parts]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def db(sqlite_url: str) -> Db:
    return Db(sqlite_url)


@pytest.fixture
def serve(sqlite_url: str) -> Iterator[Callable[..., IntakeThread]]:
    """Start listeners: ``serve(cmpp={...})`` overrides a listener's settings."""
    started: list[IntakeThread] = []

    def start(**listeners: dict[str, Any]) -> IntakeThread:
        started.append(IntakeThread(sqlite_url, **(listeners or {"cmpp": {}, "smpp": {}})))
        return started[-1]

    yield start
    for served in started:
        served.close()
