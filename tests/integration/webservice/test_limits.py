"""Input limits: field widths, QueryStatus and QueryReplies sizes, concurrent SendBatch."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import zeep

from hisms.adapters.webservice.server import Server, wsgi_app
from hisms.carrier.base import utcnow
from hisms.engine.store import open_store
from hisms.engine.store.base import Mo, Store

from .conftest import Live, config, count_rows, envelope, post, wsse_header, zeep_client

WIDE = {"SourceRef": 64, "Account": 32, "Dept": 32, "Signature": 32, "Content": 2000}


def _send(field: str, value: str) -> str:
    fields = {"Phone": "13800138000", "Content": "x", field: value}
    return (
        "<h:SendSms>" + "".join(f"<h:{k}>{v}</h:{k}>" for k, v in fields.items()) + "</h:SendSms>"
    )


def _post(live: Live, body: str) -> tuple[int, str]:
    return post(live, envelope(body, wsse_header("HIS", "his-secret")))


@pytest.mark.parametrize("field", list(WIDE))
def test_a_field_longer_than_its_column_is_an_invalid_field(
    ws: Live, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    status, answer = _post(ws, _send(field, "长" * (WIDE[field] + 1)))
    assert status == 500 and "Client.InvalidField" in answer, answer
    assert f"{field} is {WIDE[field] + 1} characters, more than its {WIDE[field]}" in answer
    assert count_rows(ws.store) == 0 and "Traceback" not in caplog.text
    status, answer = _post(ws, _send(field, "长" * WIDE[field]))
    assert status == 200, answer


@pytest.mark.parametrize(("field", "width"), [("Content", 2000), ("SourceRef", 64)])
def test_a_batch_item_longer_than_its_column_is_named(ws: Live, field: str, width: int) -> None:
    items = "".join(
        f"<h:BatchItem><h:Phone>1390000000{i}</h:Phone>"
        + (f"<h:{field}>{'x' * (width + 1)}</h:{field}>" if i == 2 else "")
        + "</h:BatchItem>"
        for i in range(3)
    )
    body = f"<h:SendBatch><h:Items>{items}</h:Items><h:Content>x</h:Content></h:SendBatch>"
    status, answer = _post(ws, body)
    assert status == 500 and "Client.InvalidField" in answer, answer
    assert f"Items[3].{field} is {width + 1} characters, more than its {width}" in answer
    assert count_rows(ws.store) == 0


def test_query_status_takes_at_most_max_query_ids(make_ws: Callable[..., Live]) -> None:
    live = make_ws(max_query_ids=5)
    soap = zeep_client(live).service
    ids = [soap.SendSms(Phone="13800138000", Content="x", SourceRef=f"Q{i}") for i in range(3)]
    assert len(soap.QueryStatus(MsgIds={"long": [*ids, 98, 99]})) == 3
    with pytest.raises(zeep.exceptions.Fault, match="at most 5 MsgIds and SourceRefs, got 6"):
        soap.QueryStatus(MsgIds={"long": ids}, SourceRefs={"string": ["Q0", "Q1", "Q2"]})


def test_query_replies_pages_by_max_replies(make_ws: Callable[..., Live]) -> None:
    live = make_ws(max_replies=2)
    now = utcnow() + timedelta(seconds=1)
    mos = [Mo("cm", "13800138000", "106901", f"Y{i}", now, "HIS") for i in range(5)]
    live.store.save_mo("t", mos, 3600)
    soap = zeep_client(live).service
    pages, cursor = [], 0
    while (answer := soap.QueryReplies(Cursor=cursor, Limit=1000)).Replies:
        pages.append([r.Content for r in answer.Replies.Reply])
        cursor = answer.NextCursor
    assert pages == [["Y0", "Y1"], ["Y2", "Y3"], ["Y4"]]


class HeldStore:
    """A store whose batch inserts wait until released: a SendBatch in progress."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.inside = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def enqueue_batch(self, *args: Any) -> int:
        self.inside.set()
        assert self.release.wait(30)
        return int(self._store.enqueue_batch(*args))


@pytest.fixture
def held(pg_url: str) -> Iterator[Callable[..., tuple[Live, HeldStore]]]:
    """A live service over a HeldStore, with one SendBatch slot."""
    stops: list[Callable[[], None]] = []

    def make(wait: float) -> tuple[Live, HeldStore]:
        store = open_store(pg_url, pool_size=8)
        slow = HeldStore(store)
        cfg = config(max_concurrent_batches=1, batch_wait_seconds=wait)
        server = Server(wsgi_app(cfg, slow), "127.0.0.1", 0, threads=8).start()  # type: ignore[arg-type]
        stops.extend([slow.release.set, server.stop, store.close])
        return Live(server, store, cfg), slow

    yield make
    for stop in stops:
        stop()


def _batch(ref: str) -> str:
    return (
        "<h:SendBatch><h:Items><h:BatchItem><h:Phone>13900000001</h:Phone></h:BatchItem>"
        f"</h:Items><h:Content>x</h:Content><h:BatchRef>{ref}</h:BatchRef></h:SendBatch>"
    )


def test_a_send_batch_over_the_limit_is_told_to_retry(
    held: Callable[..., tuple[Live, HeldStore]],
) -> None:
    live, store = held(wait=0)
    answers: list[tuple[int, str]] = []
    first = threading.Thread(target=lambda: answers.append(_post(live, _batch("B1"))))
    first.start()
    assert store.inside.wait(30)
    status, answer = _post(live, _batch("B2"))
    assert status == 500 and "Server.Busy" in answer and "retry" in answer, answer
    assert (
        post(live, envelope(_send("SourceRef", "S1"), wsse_header("HIS", "his-secret")))[0] == 200
    )
    store.release.set()
    first.join(30)
    assert answers and answers[0][0] == 200, answers
    assert _post(live, _batch("B3"))[0] == 200  # the slot is free again
    assert count_rows(live.store) == 3
