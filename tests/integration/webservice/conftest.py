"""A live WebService on 127.0.0.1 (free port) over a throw-away database, and clients."""

from __future__ import annotations

import base64
import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import zeep
from zeep.wsse.username import UsernameToken

from hisms.adapters.webservice.server import Server, wsgi_app
from hisms.adapters.webservice.settings import ClientConfig, WebServiceConfig
from hisms.engine.store import open_store
from hisms.engine.store.base import Store

PASSWORDS = {"HIS": "his-secret", "ESB": "esb-secret"}


@dataclass
class Live:
    server: Server
    store: Store
    cfg: WebServiceConfig

    @property
    def url(self) -> str:
        return self.server.url


def config(**kw: object) -> WebServiceConfig:
    clients = {
        "HIS": ClientConfig(password=PASSWORDS["HIS"]),
        "ESB": ClientConfig(password=PASSWORDS["ESB"], sources=["HIS", "LIS"]),
    }
    return WebServiceConfig(clients=clients, **kw)  # type: ignore[arg-type]


@pytest.fixture
def make_ws(pg_url: str) -> Iterator[Callable[..., Live]]:
    started: list[Live] = []

    def make(url: str = pg_url, **kw: object) -> Live:
        store = open_store(url, pool_size=8)
        cfg = config(**kw)
        live = Live(Server(wsgi_app(cfg, store), "127.0.0.1", 0, threads=8).start(), store, cfg)
        started.append(live)
        return live

    yield make
    for live in started:
        live.server.stop()
        live.store.close()


@pytest.fixture
def ws(make_ws: Callable[..., Live]) -> Live:
    return make_ws()


def zeep_client(live: Live, user: str = "HIS", digest: bool = True) -> zeep.Client:
    token = UsernameToken(user, PASSWORDS[user], use_digest=digest)
    return zeep.Client(live.url + "?wsdl", wsse=token)


def wsse_header(user: str, password: str, created: datetime | None = None) -> str:
    """A PasswordDigest UsernameToken as .NET WCF / Apache CXF write it."""
    nonce = os.urandom(16)
    stamp = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = base64.b64encode(hashlib.sha1(nonce + stamp.encode() + password.encode()).digest())
    return f"""<wsse:Security soap:mustUnderstand="1"
      xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
      xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
   <wsse:UsernameToken>
    <wsse:Username>{user}</wsse:Username>
    <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{digest.decode()}</wsse:Password>
    <wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary">{base64.b64encode(nonce).decode()}</wsse:Nonce>
    <wsu:Created>{stamp}</wsu:Created>
   </wsse:UsernameToken>
  </wsse:Security>"""


def envelope(body: str, header: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:h="urn:hisms:sms:1">
 <soap:Header>{header}</soap:Header>
 <soap:Body>{body}</soap:Body>
</soap:Envelope>""".encode()


def post(live: Live, data: bytes, action: str = "") -> tuple[int, str]:
    """A plain HTTP POST of a SOAP 1.1 envelope, as a .NET or Java client sends it."""
    request = urllib.request.Request(
        live.url,
        data=data,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def count_rows(store: Store) -> int:
    return sum(store.status_counts().values())
