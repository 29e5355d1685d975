"""A SendSms answered by the fast path gets spyne's answer and spyne's faults, byte for
byte, on PostgreSQL and SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from hisms.adapters.webservice import fastsms
from hisms.adapters.webservice.guard import Wsgi
from hisms.adapters.webservice.server import wsgi_app
from hisms.engine.store import open_store
from hisms.engine.store.base import Store

from .conftest import PASSWORDS, config, count_rows, envelope, wsse_header
from .test_fastbatch import TOKEN, call

Both = tuple[Wsgi, Wsgi, list[bool]]


@pytest.fixture(params=["pg_url", "sqlite_url"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    store = open_store(str(request.getfixturevalue(request.param)), pool_size=4)
    yield store
    store.close()


@pytest.fixture
def both(store: Store, monkeypatch: pytest.MonkeyPatch) -> Both:
    """(the fast path, spyne alone, whether the fast path took each request)."""
    taken: list[bool] = []
    read = fastsms.read_sms

    def counted(body: bytes, content_type: str) -> fastsms.Read | None:
        found = read(body, content_type)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(fastsms, "read_sms", counted)
    fast = wsgi_app(config(), store)
    spyne_only = wsgi_app(config(), store)
    spyne_only._fast = None  # type: ignore[attr-defined]
    return fast, spyne_only, taken


def sms(fields: str, header: str = TOKEN) -> bytes:
    return envelope(f"<h:SendSms>{fields}</h:SendSms>", header)


PHONE = "<h:Phone>13800138000</h:Phone>"
TEXT = "<h:Content>您的检查结果已出</h:Content>"


def test_a_message_gets_the_same_answer_both_ways(both: Both, store: Store) -> None:
    fast, spyne_only, taken = both
    request = sms(
        PHONE + TEXT + "<h:SourceSystem>LIS</h:SourceSystem><h:SourceRef>R1</h:SourceRef>"
        "<h:Priority>3</h:Priority><h:Account>ACC</h:Account><h:Dept>0101</h:Dept>"
        "<h:Signature>【示例医院】</h:Signature>"
    )
    first = call(fast, request)
    assert first[0] == "200 OK" and b"<tns:MsgId>" in first[2]
    # The repeat answers with the first MsgId, whichever path answers it.
    assert call(spyne_only, request) == first == call(fast, request)
    assert taken == [True, True]
    (row,) = store.find_messages(refs=[("LIS", "R1")])
    assert (row["phone"], row["source_system"], row["priority"]) == ("13800138000", "LIS", 3)
    assert count_rows(store) == 1


def test_text_is_stored_the_same_both_ways(both: Both, store: Store) -> None:
    """Whitespace kept, entities and CDATA resolved, as spyne reads them."""
    fast, spyne_only, taken = both
    fields = (
        "<h:Phone>13800138000</h:Phone><h:Content>  a <![CDATA[<b>]]> &amp; c\n </h:Content>"
        "<h:Account> A </h:Account><h:Dept>心内科</h:Dept><h:Priority>07</h:Priority>"
    )
    for ref, app in (("F", fast), ("S", spyne_only)):
        assert call(app, sms(fields + f"<h:SourceRef>{ref}</h:SourceRef>"))[0] == "200 OK"
    assert taken == [True]
    rows = store.find_messages(refs=[("HIS", "F"), ("HIS", "S")])
    kept = ("phone", "content", "account", "dept_code", "priority", "source_system")
    assert [{k: r[k] for k in kept} for r in rows] == 2 * [
        {"phone": "13800138000", "content": "  a <b> & c\n ", "account": " A ",
         "dept_code": "心内科", "priority": 7, "source_system": "HIS"},
    ]  # fmt: skip


def test_new_messages_get_their_own_ids_in_the_same_answer(both: Both, store: Store) -> None:
    fast, spyne_only, _ = both
    answers = [call(app, sms(PHONE + TEXT)) for app in (fast, spyne_only, fast)]
    ids = [int(re.findall(rb"<tns:MsgId>(\d+)<", a[2])[0]) for a in answers]
    assert len(set(ids)) == 3 and count_rows(store) == 3
    blank = [(s, h, re.sub(rb"<tns:MsgId>\d+<", b"<tns:MsgId>0<", b)) for s, h, b in answers]
    assert blank[0] == blank[1] == blank[2]


@pytest.mark.parametrize(
    ("fields", "code", "fast_path"),
    [
        ("<h:Phone>1380013800</h:Phone>" + TEXT, "Client.InvalidPhone", True),
        ("<h:Phone>075512345678</h:Phone>" + TEXT, "Client.InvalidPhone", True),
        (PHONE + TEXT + "<h:Priority>12</h:Priority>", "Client.InvalidField", True),
        (PHONE + "<h:Priority>1</h:Priority>", "Client.MissingField", True),
        (PHONE + "<h:Content>   </h:Content>", "Client.MissingField", True),
        (PHONE + "<h:Content></h:Content>", "Client.MissingField", False),
        (PHONE + f"<h:Content>{'长' * 2001}</h:Content>", "Client.InvalidField", True),
        (PHONE + TEXT + "<h:SourceSystem>EMR</h:SourceSystem>", "Client.Forbidden", True),
        (PHONE + TEXT + "<h:TemplateCode>T1</h:TemplateCode>", "Client.InvalidField", True),
        (PHONE + TEXT + f"<h:SourceRef>{'R' * 65}</h:SourceRef>", "Client.InvalidField", True),
        (PHONE + TEXT + "<h:Priority>high</h:Priority>", "Client.ValidationError", False),
        (TEXT, "Client.MissingField", False),
    ],
    ids=[
        "short number", "landline", "priority", "no content", "blank content", "empty content",
        "oversize content", "foreign source", "content and template", "long SourceRef",
        "priority not a number", "no phone",
    ],
)  # fmt: skip
def test_a_refused_message_gets_the_same_fault_both_ways_and_writes_nothing(
    both: Both, store: Store, fields: str, code: str, fast_path: bool
) -> None:
    fast, spyne_only, taken = both
    request = sms(fields)
    answer = call(fast, request)
    assert answer == call(spyne_only, request)
    assert answer[0] == "500 Internal Server Error"
    assert f":{code}</faultcode>".encode() in answer[2]
    assert taken == [fast_path]
    assert count_rows(store) == 0


WRONG = TOKEN.replace("esb-secret", "wrong")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (sms(PHONE + TEXT, WRONG), "Client.Authentication"),
        (sms(PHONE + TEXT, ""), "Client.Authentication"),
        (sms(PHONE + TEXT).replace(b"</h:SendSms>", b"</h:SendSm>"), "Client.MalformedXml"),
        (b"<h:SendSms>", "Client.MalformedXml"),
        (b'<!DOCTYPE x [<!ENTITY a "SendSms">]>' + sms(PHONE + TEXT)[38:], "Client.Doctype"),
    ],
    ids=["wrong password", "no token", "not well-formed", "no envelope", "doctype"],
)
def test_a_refused_request_gets_the_same_fault_both_ways(
    both: Both, store: Store, body: bytes, code: str
) -> None:
    fast, spyne_only, _ = both
    answer = call(fast, body)
    assert answer == call(spyne_only, body)
    assert answer[0] == "500 Internal Server Error"
    assert f":{code}".encode() in answer[2]
    assert count_rows(store) == 0


def test_a_replayed_nonce_is_refused_both_ways(both: Both, store: Store) -> None:
    fast, spyne_only, taken = both
    request = sms(PHONE + TEXT, wsse_header("HIS", PASSWORDS["HIS"]))
    assert call(fast, request)[0] == "200 OK"
    replayed = call(fast, request)
    assert replayed == call(spyne_only, request)
    assert b"Nonce already used (replay)" in replayed[2]
    assert taken == [True, True]
    assert count_rows(store) == 1
