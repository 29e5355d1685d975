"""A bare HTTP/1.1 keep-alive client for ``bench console``: one connection per browser tab.

httpx costs a few milliseconds of CPU per request; at 500 requests/s on the cores the
console runs on, the load generator would measure mostly itself. This one parses only what
the console answers (a status line, headers, a Content-Length body) and keeps the session
cookie as a browser does (the last ``Set-Cookie`` wins)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlencode

COOKIE = "hisms_console"
_SET_COOKIE = re.compile(rb"^set-cookie:\s*" + COOKIE.encode() + rb"=([^;\r\n]*)", re.I | re.M)


class HttpError(Exception):
    """The server closed the connection or answered something this client cannot read."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: bytes  # the raw header block, lower-cased names not guaranteed
    body: bytes

    def header(self, name: str) -> str | None:
        found = re.search(rb"^" + name.encode() + rb":\s*([^\r\n]*)", self.headers, re.I | re.M)
        return found[1].decode() if found else None


class Tab:
    """One browser tab's connection to ``host:port``, carrying the session cookie."""

    def __init__(self, host: str, port: int, cookie: str = "") -> None:
        self.host, self.port, self.cookie = host, port, cookie
        self.reconnects = 0  # idle connections the server had closed
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, htmx: bool = False) -> Answer:
        extra = "HX-Request: true\r\n" if htmx else ""
        return await self._send(f"GET {path} HTTP/1.1\r\n{extra}", b"")

    async def post(self, path: str, form: dict[str, str]) -> Answer:
        body = urlencode(form).encode()
        head = (f"POST {path} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n")  # fmt: skip
        return await self._send(head, body)

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None

    async def _send(self, head: str, body: bytes) -> Answer:
        reused = self._streams is not None
        try:
            answer = await self._exchange(head, body)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            if not reused:
                raise HttpError(f"connection lost: {exc!r}") from None
            # The server closed the idle connection as the request left: a browser sends
            # it again on a new connection, and so does this client, once.
            self.reconnects += 1
            return await self._send(head, body)
        if found := _SET_COOKIE.search(answer.headers):
            self.cookie = found[1].decode()
        if (answer.header("connection") or "").lower() == "close":
            await self.close()
        return answer

    async def _exchange(self, head: str, body: bytes) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        cookie = f"Cookie: {COOKIE}={self.cookie}\r\n" if self.cookie else ""
        writer.write(f"{head}Host: {self.host}\r\n{cookie}\r\n".encode() + body)
        return await _read(reader)


async def _read(reader: asyncio.StreamReader) -> Answer:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, headers = head.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise HttpError(f"not an HTTP answer: {status_line[:80]!r}")
    length = re.search(rb"^content-length:\s*(\d+)", headers, re.I | re.M)
    if length is None:
        raise HttpError("an answer without Content-Length")
    body = await reader.readexactly(int(length[1]))
    return Answer(int(parts[1]), headers, body)
