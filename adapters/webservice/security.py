"""WS-Security UsernameToken (PasswordText and PasswordDigest) for incoming calls.

PasswordDigest = Base64(SHA1(nonce + created + password)), the OASIS UsernameToken
profile 1.0 that .NET (WCF), Java (CXF, Axis2) and zeep send. A digest token must
carry a fresh Created and a Nonce never seen within the skew window (replay); nonces
are kept in the database (:mod:`hisms.adapters.nonces`), so a replay sent to another
engine instance is refused too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from hisms.adapters.nonces import NonceBook
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.settings import ClientConfig

log = logging.getLogger(__name__)

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)


@dataclass(frozen=True, slots=True)
class Token:
    username: str
    password: str  # clear text, or the Base64 digest
    digest: bool
    nonce: bytes | None
    created: str | None


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    sources: tuple[str, ...]  # source systems it may act for
    via: str = "ws"  # how it came in: the actor of its rows is "<via>:<name>"

    @property
    def actor(self) -> str:
        return f"{self.via}:{self.name}"


def read_token(header: etree._Element | None) -> Token:
    """The UsernameToken of a SOAP header, or :class:`Refused` saying what is missing."""
    token = None if header is None else header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        raise Refused("Client.Authentication", "missing WS-Security UsernameToken header")
    username = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
    password = token.find(f"{{{WSSE}}}Password")
    if not username or password is None:
        raise Refused("Client.Authentication", "UsernameToken needs a Username and a Password")
    nonce = token.findtext(f"{{{WSSE}}}Nonce")
    try:
        raw_nonce = base64.b64decode(nonce.strip(), validate=True) if nonce else None
    except binascii.Error as exc:
        raise Refused("Client.Authentication", "UsernameToken Nonce is not Base64") from exc
    return Token(
        username=username,
        password=(password.text or "").strip(),
        digest=password.get("Type", "").endswith("#PasswordDigest"),
        nonce=raw_nonce,
        created=(token.findtext(f"{{{WSU}}}Created") or "").strip() or None,
    )


def digest(nonce: bytes, created: str, password: str) -> str:
    return base64.b64encode(
        hashlib.sha1(nonce + created.encode() + password.encode()).digest()
    ).decode()


class Authenticator:
    def __init__(
        self,
        clients: Mapping[str, ClientConfig],
        max_skew: float,
        nonces: NonceBook,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clients = {name.casefold(): (name, c) for name, c in clients.items()}
        self._max_skew = max_skew
        self._clock = clock
        self._nonces = nonces

    def verify(self, token: Token) -> Caller:
        known = self._clients.get(token.username.casefold())
        if known is None or not self._password_ok(token, known[1].password.get_secret_value()):
            log.warning("WebService login refused for user %r", token.username)
            raise Refused(
                "Client.Authentication", "authentication failed: wrong username or password"
            )
        if token.created is not None:
            self._check_fresh(token.created)
        elif token.digest:
            raise Refused("Client.Authentication", "a PasswordDigest token needs wsu:Created")
        if token.nonce is not None:
            if not self._nonces.fresh(known[0], token.nonce):
                raise Refused("Client.Authentication", "UsernameToken Nonce already used (replay)")
        elif token.digest:
            raise Refused("Client.Authentication", "a PasswordDigest token needs a Nonce")
        name, client = known
        return Caller(name, tuple(client.sources or [name]))

    @staticmethod
    def _password_ok(token: Token, secret: str) -> bool:
        if token.digest:
            expected = digest(token.nonce or b"", token.created or "", secret)
            return hmac.compare_digest(expected.encode(), token.password.encode())
        return hmac.compare_digest(secret.encode(), token.password.encode())

    def _check_fresh(self, created: str) -> None:
        try:
            at = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Refused(
                "Client.Authentication", f"wsu:Created {created!r} is not a time"
            ) from exc
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        age = self._clock() - at.timestamp()
        if abs(age) > self._max_skew:
            raise Refused(
                "Client.Authentication",
                f"UsernameToken Created {created} is {abs(age):.0f} s off the server clock, "
                f"more than {self._max_skew:.0f} s: stale token or clock skew",
            )
