"""Hostile requests against a live endpoint: each gets a SOAP Fault listed in the README,
writes nothing, and the log keeps no password, no whole phone number and no request body."""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import PASSWORDS, Live, count_rows, envelope

README = Path(__file__).parents[3] / "adapters" / "webservice" / "README.md"
PHONE = "13912345678"
WRONG = "guess-4711-secret"
BIG = 10_000_001  # one character over libxml2's text limit without XML_PARSE_HUGE
TEXT = "text/xml; charset=utf-8"


def token(password: str = PASSWORDS["HIS"]) -> str:
    return (
        '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken>'
        f"<wsse:Username>HIS</wsse:Username><wsse:Password>{password}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>"
    )


def send(extra: str = "", phone: str = PHONE) -> str:
    return (
        f"<h:SendSms><h:Phone>{phone}</h:Phone><h:Content>call {PHONE}</h:Content>{extra}"
        "</h:SendSms>"
    )


def soap(body: str, header: str = "") -> bytes:
    return envelope(body, token() + header)


def hostile() -> dict[str, tuple[bytes, str]]:
    """name -> (body, Content-Type); every body carries a password and a phone number."""
    deep = "<h:x>" * 300 + "</h:x>" * 300
    query = f"<h:QueryStatus><h:MsgIds><h:long>x{PHONE}</h:long></h:MsgIds></h:QueryStatus>"
    not_ascii = soap(send()).replace(b"call", "呼".encode())
    cases = {
        "nesting deeper than 256": soap(send(deep)),
        "nesting deeper than 256 in the header": soap(send(), deep),
        "text node over 10 MB": soap(send(f"<h:Account>{'y' * BIG}</h:Account>")),
        "attribute over 10 MB": soap(send(f'<h:Dept a="{"y" * BIG}"/>')),
        "Priority not a number": soap(send(f"<h:Priority>{PHONE}x</h:Priority>")),
        "Priority a phone number": soap(send(f"<h:Priority>{PHONE}</h:Priority>")),
        "SendAt not a time": soap(send(f"<h:SendAt>{PHONE}</h:SendAt>")),
        "MsgIds not numbers": soap(query),
        "SourceSystem a phone number": soap(send(f"<h:SourceSystem>{PHONE}</h:SourceSystem>")),
        "unknown operation": soap(f"<h:Steal><h:Phone>{PHONE}</h:Phone></h:Steal>"),
        "undefined entity": soap(send(f"<h:Dept>&x{PHONE};</h:Dept>")),
        "no Body": soap(send()).replace(b"soap:Body", b"soap:Bodi"),
        "superscript phone": soap(send(phone="¹³⁹¹²³⁴⁵⁶⁷⁸")),
        "wrong password": envelope(send(), token(WRONG)),
    }
    return {name: (body, TEXT) for name, body in cases.items()} | {
        "unknown charset": (soap(send()), "text/xml; charset=x-no-such"),
        "body not in its charset": (not_ascii, "text/xml; charset=ascii"),
    }


def post(live: Live, data: bytes, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(live.url, data=data, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def documented_faults() -> set[str]:
    """Every faultcode named in the first column of the README's fault table."""
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `")]
    return {code for row in rows for code in re.findall(r"`([\w.]+)`", row.split("|")[1])}


def test_hostile_requests_leave_no_secret_in_the_log(
    ws: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answered = {}
    for name, (body, content_type) in hostile().items():
        status, answer = post(ws, body, content_type)
        code = re.search(r"<faultcode>(?:\w+:)?([\w.]+)</faultcode>", answer)
        assert status == 500 and code, f"{name}: {status} {answer[:300]}"
        answered[name] = code[1]
    assert count_rows(ws.store) == 0
    undocumented = {n: c for n, c in answered.items() if c not in documented_faults()}
    assert not undocumented, undocumented
    log = caplog.text
    assert PASSWORDS["HIS"] not in log and WRONG not in log
    assert not re.findall(r"(?<!\d)\d{11}(?!\d)", log)
    assert max(map(len, log.splitlines())) < 2000
