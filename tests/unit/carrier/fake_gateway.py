"""An in-memory protocol and gateway for unit tests of the session runtime: no sockets.

:class:`FakeAdapter` is a :class:`ProtocolAdapter` over a toy codec (a length
prefix and JSON); :class:`FakeGateway` answers it in memory, through streams
its :meth:`~FakeGateway.connect` hands the session in place of
``asyncio.open_connection``. ``on_submit`` decides each answer: a PDU name
("ok", "busy", "refused") or None for silence.
"""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hisms.carrier.base import Submission
from hisms.carrier.session.adapter import (
    Answer,
    Incoming,
    LoginRefused,
    PeerRequest,
    SubmitAnswer,
    Verdict,
)
from hisms.carrier.wire.connection import NEED_DATA, Connection, Kind, Role
from hisms.carrier.wire.errors import LocalProtocolError

_KINDS = {
    "login": Kind.LOGIN,
    "login_ok": Kind.LOGIN_OK,
    "login_failed": Kind.LOGIN_FAILED,
    "logout": Kind.LOGOUT,
    "logout_resp": Kind.LOGOUT_RESP,
}
_VERDICTS = {"ok": Verdict.ACCEPTED, "busy": Verdict.THROTTLED, "refused": Verdict.FAILED}


@dataclass(frozen=True)
class Pdu:
    name: str
    seq: int
    text: str = ""


class FakeCodec:
    min_length = 4
    max_length = 4096

    def decode(self, frame: bytes) -> Pdu:
        return Pdu(*json.loads(frame[4:]))

    def encode(self, pdu: Pdu) -> bytes:
        if pdu.text == "UNENCODABLE":
            raise LocalProtocolError("this text cannot be framed")
        body = json.dumps([pdu.name, pdu.seq, pdu.text]).encode()
        return struct.pack(">I", len(body) + 4) + body

    def kind(self, pdu: Pdu) -> Kind:
        return _KINDS.get(pdu.name, Kind.OTHER)


class FakeAdapter:
    def __init__(self, secret: str = "right", keepalive: bool = True) -> None:
        self.secret = secret
        self.has_keepalive = keepalive

    def new_connection(self) -> Connection[Any]:
        return Connection(FakeCodec(), Role.CLIENT)

    def login(self, seq: int) -> Pdu:
        return Pdu("login", seq, self.secret)

    def check_login(self, pdu: Any) -> None:
        if pdu.name != "login_ok":
            raise LoginRefused(f"status {pdu.text}")

    def submit(self, submission: Submission, seq: int) -> Pdu:
        return Pdu("submit", seq, submission.text)

    def keepalive(self, seq: int) -> Pdu | None:
        return Pdu("ping", seq) if self.has_keepalive else None

    def logout(self, seq: int) -> Pdu:
        return Pdu("logout", seq)

    def classify(self, pdu: Any) -> Incoming:
        if pdu.name in _VERDICTS:
            verdict = _VERDICTS[pdu.name]
            if verdict is Verdict.ACCEPTED:
                return SubmitAnswer(pdu.seq, verdict, msg_id=pdu.text)
            return SubmitAnswer(pdu.seq, verdict, error_code=pdu.name, error_text=pdu.text)
        if pdu.name == "logout":
            return PeerRequest(reply=Pdu("logout_resp", pdu.seq), closes=True)
        return Answer(pdu.seq)  # pong, logout_resp


@dataclass
class FakeGateway:
    """Answers logins with ``secret`` (then hangs up if ``hang_up``), submits by
    ``on_submit``, pings unless ``deaf``."""

    secret: str = "right"
    on_submit: Callable[[Pdu], str | None] = lambda pdu: "ok"
    deaf: bool = False  # never answers a ping: the link must notice
    hang_up: bool = False  # accepts every login, then closes at once
    reachable: bool = True
    logins: int = 0
    submits: list[Pdu] = field(default_factory=list)
    pings: int = 0
    logouts: int = 0
    _held: list[tuple[Any, Pdu]] = field(default_factory=list)  # answers not yet sent
    _links: list[_ServerSide] = field(default_factory=list)

    async def connect(self, host: str, port: int) -> tuple[asyncio.StreamReader, Any]:
        if not self.reachable:
            raise ConnectionRefusedError(f"nothing listens on {host}:{port}")
        link = _ServerSide(self)
        self._links.append(link)
        return link.client_reader, link

    def drop(self) -> None:
        """Close every connection, as a gateway that restarts."""
        for link in self._links:
            link.close()

    def release(self) -> None:
        """Send the answers ``on_submit`` held back with "hold"."""
        held, self._held = self._held, []
        for link, pdu in held:
            link.reply(Pdu("ok", pdu.seq, f"id{pdu.seq}"))

    def handle(self, link: _ServerSide, pdu: Pdu) -> None:
        if pdu.name == "login":
            self.logins += 1
            ok = pdu.text == self.secret
            link.reply(Pdu("login_ok" if ok else "login_failed", pdu.seq, "" if ok else "3"))
            if ok and self.hang_up:
                link.close()
        elif pdu.name == "submit":
            self.submits.append(pdu)
            answer = self.on_submit(pdu)
            if answer == "hold":
                self._held.append((link, pdu))
            elif answer is not None:
                link.reply(Pdu(answer, pdu.seq, f"id{len(self.submits)}"))
        elif pdu.name == "ping":
            self.pings += 1
            if not self.deaf:
                link.reply(Pdu("pong", pdu.seq))
        elif pdu.name == "logout":
            self.logouts += 1
            link.reply(Pdu("logout_resp", pdu.seq))


class _ServerSide:
    """The gateway's end of one in-memory connection; the session sees it as its writer."""

    def __init__(self, gateway: FakeGateway) -> None:
        self.gateway = gateway
        self.client_reader = asyncio.StreamReader()
        self.conn: Connection[Pdu] = Connection(FakeCodec(), Role.SERVER)
        self._closed = False

    # -- the StreamWriter the session writes to ------------------------------

    def write(self, data: bytes) -> None:
        if self._closed:
            return
        self.conn.receive_data(data)
        while (pdu := self.conn.next_event()) is not NEED_DATA:
            self.gateway.handle(self, pdu)

    async def drain(self) -> None:
        await asyncio.sleep(0)

    def is_closing(self) -> bool:
        return self._closed

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.client_reader.feed_eof()

    async def wait_closed(self) -> None:
        return None

    # -- the gateway's side ---------------------------------------------------

    def reply(self, pdu: Pdu) -> None:
        if not self._closed:
            self.client_reader.feed_data(self.conn.send(pdu))
