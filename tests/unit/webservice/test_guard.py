"""The guard refuses every body spyne's own parser would refuse (and spyne never logs it)."""

from __future__ import annotations

import threading

import pytest
from lxml import etree
from spyne.protocol.soap import Soap11
from spyne.protocol.soap.soap11 import _parse_xml_string

from hisms.adapters.webservice import spyne_compat  # noqa: F401 - patches on import
from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.guard import Slots, charset, parse

DECLARE = '<?xml version="1.0" encoding="{}"?>'
ENV = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{}</s:Body></s:Envelope>'


def doc(inner: str, declaration: str = "") -> bytes:
    return (declaration + ENV.format(inner)).encode()


def spyne_accepts(body: bytes, encoding: str | None) -> bool:
    try:
        _parse_xml_string([body], etree.XMLParser(**Soap11().parser_kwargs), encoding)
    except Exception:  # spyne's Fault, or LookupError / UnicodeDecodeError it does not catch
        return False
    return True


def guard_accepts(body: bytes, encoding: str | None) -> bool:
    try:
        parse(body, encoding)
    except Refused:
        return False
    return True


CASES = {
    "depth 255": (doc("<a>" * 253 + "</a>" * 253), None),
    "depth 257": (doc("<a>" * 255 + "</a>" * 255), None),
    "text of 10,000,000": (doc("y" * 10_000_000), None),
    "text of 10,000,001": (doc("y" * 10_000_001), None),
    "attribute over 10 MB": (doc(f'<a b="{"y" * 10_000_001}"/>'), None),
    "name over 50,000": (doc(f"<{'a' * 50_001}/>"), None),
    "unknown charset": (doc("x"), "x-no-such"),
    "not in its charset": (doc("é"), "ascii"),
    "GBK without a declaration": (doc("您好").decode().encode("gbk"), "gbk"),
    "GBK declared": (doc("您好", DECLARE.format("GBK")).decode().encode("gbk"), "gbk"),
    "declared UTF-8, sent as GBK": (
        doc("您好", DECLARE.format("utf-8")).decode().encode("gbk"),
        "utf-8",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_guard_refuses_what_spyne_refuses(case: str) -> None:
    body, encoding = CASES[case]
    assert guard_accepts(body, encoding) == spyne_accepts(body, encoding)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (doc("<a>" * 300 + "</a>" * 300), "Client.TooLarge"),
        (doc("y" * 10_000_001), "Client.TooLarge"),
        (doc("x"), "Client.MalformedXml"),
    ],
)
def test_limits_and_charsets_have_their_own_fault(body: bytes, code: str) -> None:
    with pytest.raises(Refused) as refused:
        parse(body, "x-no-such" if code == "Client.MalformedXml" else None)
    assert refused.value.code == code


def test_charset_is_read_as_spyne_reads_it() -> None:
    assert charset('text/xml; charset="UTF-8"') == "UTF-8"
    assert charset("text/xml;charset=gbk; action=x") == "gbk"
    assert charset("text/xml") is None and charset("") is None


def test_a_request_waits_for_a_slot_then_is_told_to_retry() -> None:
    slots = Slots("SendBatch", 1, wait=1.0)
    got = threading.Event()

    def second() -> None:
        with slots.take():
            got.set()

    with slots.take():
        with pytest.raises(Refused, match="busy: 1 SendBatch requests are running; retry"):
            slots.take()  # waited its second for nothing
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not got.wait(0.2)  # held back while the first is served
    assert got.wait(30)  # and served as soon as the slot is free
    waiting.join(30)
