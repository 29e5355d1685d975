"""UsernameToken checks: PasswordText, PasswordDigest, freshness, replay; the XML guard."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from hisms.adapters.nonces import NonceBook
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.guard import parse
from hisms.adapters.webservice.security import Authenticator, Token, digest, read_token
from hisms.adapters.webservice.settings import ClientConfig
from hisms.engine.store import open_store
from hisms.engine.store.base import Store

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
CREATED = "2023-11-14T22:13:20Z"


@pytest.fixture(scope="module")
def nonce_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Nonces live in the database (sms_nonce): one SQLite file for this module."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('nonces') / 'hisms.db'}")
    store.upgrade()
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _nonces(nonce_store: Store) -> None:
    global NONCES
    NONCES = NonceBook(nonce_store, f"ws-{uuid.uuid4().hex}", 600, clock=lambda: NOW)


NONCES: NonceBook


def auth(skew: float = 300) -> Authenticator:
    clients = {"HIS": ClientConfig(password="s3cret", sources=["HIS", "LIS"])}
    return Authenticator(clients, skew, NONCES, clock=lambda: NOW)


def token(password: str = "s3cret", nonce: bytes = b"n" * 16, created: str = CREATED) -> Token:
    return Token("his", digest(nonce, created, password), True, nonce, created)


def test_digest_is_the_oasis_formula() -> None:
    # Base64(SHA1(nonce + created + password)), checked against a value computed by hand
    # with: printf 'abc2023-11-14T22:13:20Zs3cret' | openssl sha1 -binary | base64
    assert digest(b"abc", CREATED, "s3cret") == "XaefH7o28OhWgPOoQ4V7feoHn6A="


def test_digest_and_text_tokens_identify_the_caller() -> None:
    caller = auth().verify(token())
    assert (caller.name, caller.sources) == ("HIS", ("HIS", "LIS"))
    assert auth().verify(Token("HIS", "s3cret", False, None, None)).name == "HIS"


@pytest.mark.parametrize(
    ("tok", "message"),
    [
        (token(password="wrong"), "wrong username or password"),
        (Token("HIS", "wrong", False, None, None), "wrong username or password"),
        (Token("EMR", "s3cret", False, None, None), "wrong username or password"),
        (token(created="2023-11-14T21:13:20Z"), "3600 s off the server clock"),
        (token(created="2023-11-14T23:13:20Z"), "stale token or clock skew"),
        (token(created="yesterday"), "is not a time"),
        (Token("HIS", digest(b"", CREATED, "s3cret"), True, None, CREATED), "needs a Nonce"),
    ],
)
def test_bad_tokens_are_refused(tok: Token, message: str) -> None:
    with pytest.raises(Refused, match=message):
        auth().verify(tok)


def test_a_nonce_is_accepted_once_by_every_instance() -> None:
    checker = auth()
    checker.verify(token())
    with pytest.raises(Refused, match="replay"):
        checker.verify(token())
    with pytest.raises(Refused, match="replay"):  # another engine: the same database
        auth().verify(token())
    checker.verify(token(nonce=b"other-nonce"))


def test_token_is_read_from_the_header_as_wcf_sends_it() -> None:
    nonce = base64.b64encode(b"1234").decode()
    header = etree.fromstring(
        f"""<soap:Header xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
        <o:Security xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
          xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
         <o:UsernameToken u:Id="uuid-1"><o:Username>HIS</o:Username>
          <o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">abc=</o:Password>
          <o:Nonce>{nonce}</o:Nonce><u:Created>{CREATED}</u:Created></o:UsernameToken>
        </o:Security></soap:Header>"""
    )
    assert read_token(header) == Token("HIS", "abc=", True, b"1234", CREATED)
    with pytest.raises(Refused, match="missing WS-Security UsernameToken"):
        read_token(None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty request body"),
        (b"<a><b></a>", "malformed XML"),
        (b'<!DOCTYPE a SYSTEM "http://evil/x.dtd"><a/>', "DOCTYPE is refused"),
        (b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>", "DOCTYPE is refused"),
        (b"<Envelope/>", "not a SOAP 1.1 Envelope"),
    ],
)
def test_guard_refuses_unsafe_or_broken_xml(body: bytes, message: str) -> None:
    with pytest.raises(Refused, match=message):
        parse(body)


def test_a_digest_token_carrying_the_clear_text_password_is_refused() -> None:
    # A client (or attacker) that labels the plain password as a digest must not log in:
    # only Base64(SHA1(nonce + created + password)) is a valid digest.
    with pytest.raises(Refused, match="wrong username or password"):
        auth().verify(Token("HIS", "s3cret", True, b"n" * 16, CREATED))


def test_the_readme_shows_how_to_compute_a_digest_the_server_accepts(nonce_store: Store) -> None:
    readme = Path(__file__).parents[3] / "adapters" / "webservice" / "README.md"
    snippet = re.search(r"```python\n(.*?)```", readme.read_text(), re.S)
    assert snippet, "README has no Python example of a PasswordDigest"
    namespace: dict[str, Any] = {}
    exec(snippet[1], namespace)
    password, nonce, created = namespace["username_token"]("s3cret")
    token = Token("HIS", password, True, base64.b64decode(nonce), created)
    nonces = NonceBook(nonce_store, "ws", 600)  # the real clock
    checker = Authenticator({"HIS": ClientConfig(password="s3cret")}, 300, nonces)
    assert checker.verify(token).name == "HIS"
