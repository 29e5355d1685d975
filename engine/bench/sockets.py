"""Intake through the socket intake: submits over CMPP or SMPP on 127.0.0.1.

The listener runs in this process as ``hisms run`` serves it (``[intake.*]`` with a
throw-away login); each writer is a client connection on the project's own codec in the
client role, keeping ``window`` submits unanswered, as an SP or ESME with a window does.
A submit counts once its answer (after the commit) says accepted.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from hisms.adapters.socketintake.server import running
from hisms.adapters.socketintake.settings import IntakeConfig
from hisms.carrier.cmpp import auth
from hisms.carrier.cmpp import pdus as cmpp
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.smpp import pdus as smpp
from hisms.carrier.smpp.codec import SmppCodec, SmppConnection
from hisms.carrier.wire.connection import NEED_DATA, Connection, Role, State
from hisms.engine.config import DatabaseConfig, Settings
from hisms.engine.store import open_store

LOGIN = "bench"
TEXT = "体检通知：请于周五上午空腹到体检中心。"


def intake(url: str, via: str, rows: int, writers: int, window: int) -> dict[str, Any]:
    """Rows/s accepted through ``via`` (``smpp-server`` or ``cmpp-server``)."""
    return asyncio.run(_bench(url, via.removesuffix("-server"), rows, writers, window))


async def _bench(url: str, protocol: str, rows: int, writers: int, window: int) -> dict[str, Any]:
    secret = secrets.token_hex(4)  # SMPP passwords are at most 8 characters
    listener = {
        "enabled": True,
        "port": 0,
        "window": window,
        "accounts": {LOGIN: {"password": secret, "source_system": "BENCH", "max_links": writers}},
    }
    settings = Settings(
        database=DatabaseConfig(url=SecretStr(url)),
        intake=IntakeConfig.model_validate({protocol: listener}),
    )
    shares = [rows // writers + (1 if n < rows % writers else 0) for n in range(writers)]
    async with running(
        settings, lambda: open_store(url, pool_size=settings.database.pool_size)
    ) as (server,):
        client = _Smpp if protocol == "smpp" else _Cmpp
        started = time.perf_counter()
        done = await asyncio.gather(
            *(client(server.port, secret, window).run(n, count) for n, count in enumerate(shares))
        )
        elapsed = time.perf_counter() - started
    accepted = sum(done)
    return {
        "benchmark": "intake",
        "via": f"{protocol}-server",
        "database": url.split(":", 1)[0],
        "rows": accepted,
        "refused": rows - accepted,
        "writers": writers,
        "window": window,
        "seconds": round(elapsed, 3),
        "rows_per_second": round(accepted / elapsed, 1),
    }


class _Client(ABC):
    """One connection: log in, then ``count`` submits with ``window`` unanswered at most."""

    def __init__(self, conn: Connection[Any], port: int, secret: str, window: int) -> None:
        self.conn = conn
        self.port = port
        self.secret = secret
        self.room = asyncio.Semaphore(window)
        self.accepted = 0
        self.answers = 0

    async def run(self, writer_no: int, count: int) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(self.conn.send(self.login()))
            await self._read(reader, until=lambda: self.conn.state is State.BOUND)
            listening = asyncio.create_task(self._read(reader, until=lambda: self.answers == count))
            for n in range(count):
                await self.room.acquire()
                writer.write(self.conn.send(self.submit(n + 2, f"139{writer_no:02d}{n:06d}")))
                await writer.drain()
            await listening
        finally:
            writer.close()
        return self.accepted

    async def _read(self, reader: asyncio.StreamReader, until: Any) -> None:
        while not until():
            pdu = self.conn.next_event()
            if pdu is NEED_DATA:
                data = await reader.read(65536)
                if not data:
                    raise ConnectionError("the intake closed the connection")
                self.conn.receive_data(data)
            elif self.answered(pdu):
                self.answers += 1
                self.room.release()

    @abstractmethod
    def login(self) -> Any: ...

    @abstractmethod
    def submit(self, seq: int, phone: str) -> Any: ...

    @abstractmethod
    def answered(self, pdu: Any) -> bool:
        """Whether ``pdu`` answers a submit (counting it if accepted)."""


class _Smpp(_Client):
    def __init__(self, port: int, secret: str, window: int) -> None:
        super().__init__(SmppConnection(SmppCodec(), Role.CLIENT), port, secret, window)

    def login(self) -> Any:
        return smpp.BindTransmitter(sequence_number=1, system_id=LOGIN, password=self.secret)

    def submit(self, seq: int, phone: str) -> Any:
        body = TEXT.encode("utf-16-be")
        return smpp.SubmitSm(
            sequence_number=seq, destination_addr=phone, data_coding=8, short_message=body
        )

    def answered(self, pdu: Any) -> bool:
        if not isinstance(pdu, smpp.SubmitSmResp):
            return False
        self.accepted += pdu.command_status == smpp.Status.ROK
        return True


class _Cmpp(_Client):
    def __init__(self, port: int, secret: str, window: int) -> None:
        super().__init__(Connection(CmppCodec(cmpp.V30), Role.CLIENT), port, secret, window)

    def login(self) -> Any:
        return auth.connect(1, LOGIN, self.secret, cmpp.V30, datetime.now())

    def submit(self, seq: int, phone: str) -> Any:
        return cmpp.Submit(seq, (phone,), TEXT.encode("utf-16-be"), msg_src=LOGIN)

    def answered(self, pdu: Any) -> bool:
        if not isinstance(pdu, cmpp.SubmitResp):
            return False
        self.accepted += pdu.result == 0
        return True
