"""A SendBatch answered by the fast path gets spyne's answer, byte for byte."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from hisms.adapters.webservice import fastbatch
from hisms.adapters.webservice.guard import Wsgi
from hisms.adapters.webservice.server import wsgi_app
from hisms.engine.store import open_store
from hisms.engine.store.base import Store

from .conftest import config, count_rows, envelope

TOKEN = (
    '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
    'oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken>'
    "<wsse:Username>ESB</wsse:Username><wsse:Password>esb-secret</wsse:Password>"
    "</wsse:UsernameToken></wsse:Security>"
)


def batch(items: str, rest: str) -> bytes:
    return envelope(f"<h:SendBatch><h:Items>{items}</h:Items>{rest}</h:SendBatch>", TOKEN)


def phones(*numbers: str) -> str:
    return "".join(f"<h:BatchItem><h:Phone>{n}</h:Phone></h:BatchItem>" for n in numbers)


@pytest.fixture
def store(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url, pool_size=4)
    yield store
    store.close()


def call(app: Wsgi, body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answered.update(status=status, headers=headers)

    environ = {
        "REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "text/xml; charset=utf-8", "REMOTE_ADDR": "127.0.0.1", "PATH_INFO": "/",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }  # fmt: skip
    answer = b"".join(app(environ, start_response))
    return answered["status"], answered["headers"], answer


@pytest.fixture
def both(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Wsgi, Wsgi, list[int]]]:
    """(the fast path, spyne alone, how many requests the fast path took)."""
    taken: list[int] = []
    read = fastbatch.read_batch

    def counted(body: bytes, content_type: str) -> fastbatch.Batch | None:
        found = read(body, content_type)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(fastbatch, "read_batch", counted)
    fast = wsgi_app(config(), store)
    spyne_only = wsgi_app(config(), store)
    spyne_only._fast = None  # type: ignore[attr-defined]
    yield fast, spyne_only, taken


def test_a_batch_gets_the_same_answer_both_ways(
    both: tuple[Wsgi, Wsgi, list[int]], store: Store
) -> None:
    fast, spyne_only, taken = both
    request = batch(
        phones("13800138000", "13900139000"),
        "<h:Content>x</h:Content><h:BatchRef>B1</h:BatchRef><h:SourceSystem>LIS</h:SourceSystem><h:Priority>3</h:Priority>",
    )
    first = call(fast, request)
    assert first[0] == "200 OK" and b"<tns:Accepted>2</tns:Accepted>" in first[2]
    # A repeat has the same BatchId and Accepted 0, whichever path answers it.
    assert call(spyne_only, request) == call(fast, request)
    assert taken == [True, True]
    rows = store.find_messages(refs=[("LIS", "B1#1"), ("LIS", "B1#2")])
    assert [(r["phone"], r["source_system"]) for r in rows] == [
        ("13800138000", "LIS"), ("13900139000", "LIS"),
    ]  # fmt: skip


ONE = phones("13800138000")
C = "<h:Content>x</h:Content>"


@pytest.mark.parametrize(
    ("items", "rest", "code"),
    [
        (phones("13800138000", "1380013800"), C, "Client.InvalidPhone"),
        (ONE, C + "<h:Priority>12</h:Priority>", "Client.InvalidField"),
        (ONE, "<h:BatchRef>R</h:BatchRef>", "Client.MissingField"),
        (ONE, C + "<h:SourceSystem>EMR</h:SourceSystem>", "Client.Forbidden"),
        (ONE, C + "<h:Params>{}</h:Params>", "Client.InvalidField"),
        (ONE, C + f"<h:BatchRef>{'R' * 51}</h:BatchRef>", "Client.InvalidField"),
    ],
    ids=["bad number", "priority", "no content", "foreign source", "params", "long BatchRef"],
)
def test_a_refused_batch_gets_the_same_fault_both_ways_and_writes_nothing(
    both: tuple[Wsgi, Wsgi, list[int]], store: Store, items: str, rest: str, code: str
) -> None:
    fast, spyne_only, taken = both
    request = batch(items, rest)
    answer = call(fast, request)
    assert answer == call(spyne_only, request)
    assert answer[0] == "500 Internal Server Error"
    assert f":{code}</faultcode>".encode() in answer[2]
    assert taken == [True]
    assert count_rows(store) == 0
