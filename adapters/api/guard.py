"""ASGI middleware in front of the API: everything refused before an operation runs.

Order: source address, the caller's key and headers, clock skew, the caller's rate, the
body's size, its signature, the nonce (shared by every engine through the database), then
SM4 decryption. A refusal is a JSON error; nothing reaches the operations.

A streamed batch (``streamed(scope)``) is not read here: the operation parses it as it
arrives and calls ``scope["state"][VERIFY]()`` once it has all of it, before writing
anything; the size limit is kept while it reads.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hisms.adapters.api import gm, signing
from hisms.adapters.api.errors import Throttled, answer
from hisms.adapters.api.ratelimit import Bucket, retry_after
from hisms.adapters.api.settings import ApiCaller, ApiConfig
from hisms.adapters.nonces import NonceBook
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.logs import masked
from hisms.adapters.webservice.security import Caller

log = logging.getLogger(__name__)

CALLER = "hisms.caller"  # scope["state"]: the authenticated Caller
VERIFY = "hisms.verify"  # scope["state"]: check the streamed body's signature (blocking)
PUBLIC = ("/openapi.json",)  # served without a signature (the allow-list still applies)


@dataclass(frozen=True, slots=True)
class _Known:
    name: str
    cfg: ApiCaller
    bucket: Bucket
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


@dataclass(frozen=True, slots=True)
class _Head:
    """The signed request line and headers, checked before the body is read."""

    known: _Known
    method: str
    target: str
    stamp: str
    nonce: str
    mac: str
    encrypted: bool


class Guard:
    def __init__(
        self,
        app: ASGIApp,
        cfg: ApiConfig,
        nonces: NonceBook,
        streamed: Callable[[Scope], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._cfg = cfg
        self._nonces = nonces
        self._streamed = streamed
        self._clock = clock
        self._allow = _networks(cfg.allow_ips)
        self._callers = {
            c.key: _Known(name, c, Bucket(c.rate_per_second, c.burst), _networks(c.allow_ips))
            for name, c in cfg.callers.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        remote = (scope.get("client") or ("", 0))[0]
        try:
            _check_address(remote, self._allow)
            if scope["method"] == "GET" and scope["path"].endswith(PUBLIC):
                await self._app(scope, receive, send)
                return
            head = self._head(scope, remote)
            scope.setdefault("state", {})[CALLER] = Caller(
                head.known.name, tuple(head.known.cfg.sources or [head.known.name]), via="api"
            )
            if self._streamed(scope) and not head.encrypted:
                await self._pass_streamed(head, scope, receive, send)
                return
            body = await self._read(receive, _declared(scope))
            await anyio.to_thread.run_sync(self._verify, head, _digest(head, body))
        except Refused as refused:
            await self._refuse(refused, scope, remote, receive, send)
            return
        scope["state"][VERIFY] = lambda: None
        if head.encrypted:
            await self._encrypted(head, body, scope, send)
        else:
            await self._app(scope, _replay(body), send)

    def _head(self, scope: Scope, remote: str) -> _Head:
        headers = _headers(scope)
        known = self._callers.get(headers.get(signing.KEY.lower(), ""))
        if known is None:
            raise Refused("Client.Authentication", f"missing or unknown {signing.KEY}")
        _check_address(remote, known.networks)
        stamp = headers.get(signing.TIMESTAMP.lower(), "")
        nonce = headers.get(signing.NONCE.lower(), "")
        mac = headers.get(signing.SIGNATURE.lower(), "")
        if not (stamp and nonce and mac):
            raise Refused(
                "Client.Authentication",
                f"a signed request needs {signing.TIMESTAMP}, {signing.NONCE} and "
                f"{signing.SIGNATURE}",
            )
        self._check_fresh(stamp)
        if not signing.NONCE_PATTERN.match(nonce):
            raise Refused(
                "Client.Authentication", f"{signing.NONCE} must be 8-64 of A-Z a-z 0-9 _ -"
            )
        encrypted = self._encryption(known, headers.get(signing.ENCRYPTION.lower(), ""))
        if wait := known.bucket.take():
            raise Throttled(known.name, retry_after(wait))
        query = scope.get("query_string", b"")
        path = scope.get("raw_path") or scope["path"].encode()
        target = (path + b"?" + query if query else path).decode("latin-1")
        return _Head(known, scope["method"], target, stamp, nonce, mac, encrypted)

    def _check_fresh(self, stamp: str) -> None:
        if not stamp.isdigit():
            raise Refused("Client.Authentication", f"{signing.TIMESTAMP} is not Unix seconds")
        skew = abs(self._clock() - int(stamp))
        if skew > self._cfg.max_clock_skew_seconds:
            raise Refused(
                "Client.Authentication",
                f"{signing.TIMESTAMP} is {skew:.0f} s off the server clock, more than "
                f"{self._cfg.max_clock_skew_seconds:.0f} s: stale request or clock skew",
            )

    @staticmethod
    def _encryption(known: _Known, given: str) -> bool:
        wanted = bool(known.cfg.sm4_key.get_secret_value())
        if given and given.upper() != signing.SM4_CBC:
            raise Refused("Client.Authentication", f"{signing.ENCRYPTION} {given!r} unknown")
        if wanted != bool(given):
            say = "must" if wanted else "may not"
            raise Refused(
                "Client.Authentication",
                f"caller {known.name} {say} encrypt its bodies "
                f"({signing.ENCRYPTION}: {signing.SM4_CBC})",
            )
        return wanted

    def _verify(self, head: _Head, body_hash: bytes) -> None:
        """The signature, then the nonce (blocking: a database insert)."""
        secret = head.known.cfg.secret.get_secret_value()
        expected = signing.signature(
            head.known.cfg.algorithm, secret, head.method, head.target, head.stamp, head.nonce,
            body_hash,
        )  # fmt: skip
        if not signing.matches(expected, head.mac):
            log.warning("API request of caller %s refused: bad signature", head.known.name)
            raise Refused(
                "Client.Authentication",
                f"bad signature: expected {head.known.cfg.algorithm} over method, path, "
                "timestamp, nonce and body hash (docs/integration.md)",
            )
        if not self._nonces.fresh(head.known.name, head.nonce.encode()):
            raise Refused("Client.Authentication", f"{signing.NONCE} already used (replay)")

    async def _read(self, receive: Receive, declared: int | None) -> bytes:
        limit = self._cfg.max_body_bytes
        if declared is not None and declared > limit:
            raise Refused("Client.TooLarge", _too_large(declared, limit))
        parts, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Refused("Client.MalformedJson", "the client went away mid-body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise Refused("Client.TooLarge", _too_large(size, limit))
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)

    async def _pass_streamed(self, head: _Head, scope: Scope, receive: Receive, send: Send) -> None:
        """The body hashed and counted as the operation reads it."""
        hasher = head.known.cfg.algorithm.hasher()
        limit, size = self._cfg.max_body_bytes, 0
        declared = _declared(scope)
        if declared is not None and declared > limit:
            raise Refused("Client.TooLarge", _too_large(declared, limit))

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise Refused("Client.TooLarge", _too_large(size, limit))
            await anyio.to_thread.run_sync(hasher.update, chunk)
            return message

        scope["state"][VERIFY] = lambda: self._verify(head, hasher.digest())
        await self._app(scope, counted, send)

    async def _encrypted(self, head: _Head, body: bytes, scope: Scope, send: Send) -> None:
        """Decrypt the body, and encrypt the answer under the caller's SM4 key."""
        key = bytes.fromhex(head.known.cfg.sm4_key.get_secret_value())
        try:
            plain = await anyio.to_thread.run_sync(gm.sm4_decrypt, key, body) if body else b""
        except gm.DecryptError as exc:
            await self._refuse(
                Refused("Client.MalformedJson", str(exc)), scope, "", _replay(b""), send
            )
            return
        await self._app(scope, _replay(plain), _Encrypting(key, send))

    async def _refuse(
        self, refused: Refused, scope: Scope, remote: str, receive: Receive, send: Send
    ) -> None:
        log.info("API refused %s %s from %s: %s", scope["method"], scope["path"], remote or "?",
                 masked(refused.text))  # fmt: skip
        headers = (
            {"Retry-After": str(refused.retry_after)} if isinstance(refused, Throttled) else None
        )
        await answer(refused, headers)(scope, receive, send)


class _Encrypting:
    """An ASGI ``send`` that answers with the SM4-CBC encryption of the response body."""

    def __init__(self, key: bytes, send: Send) -> None:
        self._key = key
        self._send = send
        self._start: Message | None = None
        self._parts: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        if message["type"] != "http.response.body" or self._start is None:
            await self._send(message)
            return
        self._parts.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = await anyio.to_thread.run_sync(gm.sm4_encrypt, self._key, b"".join(self._parts))
        kept = [
            (k, v)
            for k, v in self._start["headers"]
            if k.lower() not in (b"content-length", b"content-type")
        ]
        headers = [
            *kept,
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(len(body)).encode()),
            (signing.ENCRYPTION.lower().encode(), signing.SM4_CBC.encode()),
        ]
        await self._send({**self._start, "headers": headers})
        await self._send({"type": "http.response.body", "body": body})


def _digest(head: _Head, body: bytes) -> bytes:
    hasher = head.known.cfg.algorithm.hasher()
    hasher.update(body)
    return hasher.digest()


def _replay(body: bytes) -> Receive:
    """A ``receive`` that gives the already read ``body`` once, then waits for nothing."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _headers(scope: Scope) -> Mapping[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _declared(scope: Scope) -> int | None:
    value = _headers(scope).get("content-length", "")
    return int(value) if value.isdigit() else None


def _networks(allow: list[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(a, strict=False) for a in allow)


def _check_address(remote: str, allow: tuple[Any, ...]) -> None:
    if not allow:
        return
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        address = None
    if address is None or not any(address in net for net in allow):
        raise Refused("Client.Forbidden", f"client address {remote} is not in the allow-list")


def _too_large(size: int, limit: int) -> str:
    return f"request body of {size} bytes is larger than the limit of {limit} bytes"
