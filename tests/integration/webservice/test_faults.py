"""Each bad input gets a SOAP Fault with a specific faultstring, and writes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import Live, count_rows, envelope, post, wsse_header

SEND = "<h:SendSms><h:Phone>{phone}</h:Phone>{content}</h:SendSms>"
GOOD = SEND.format(phone="13800138000", content="<h:Content>x</h:Content>")


def auth(user: str = "HIS", password: str = "his-secret", **kw: datetime) -> str:
    return wsse_header(user, password, **kw)


def text_token(user: str, password: str) -> str:
    return (
        '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
        'oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username><wsse:Password>{password}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>"
    )


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:h="urn:hisms:sms:1">
<soap:Body><h:SendSms><h:Phone>13800138000</h:Phone><h:Content>&xxe;</h:Content></h:SendSms>
</soap:Body></soap:Envelope>"""


def cases() -> dict[str, tuple[bytes, str, str]]:
    """Built when the test runs, not at collection: a token's Created stamp must be within
    300 s of the server clock, and a long suite reaches this file minutes after collecting."""
    return {
        "wrong password": (
            envelope(GOOD, auth(password="guess")),
            "Client.Authentication",
            "authentication failed: wrong username or password",
        ),
        "wrong plain-text password": (
            envelope(GOOD, text_token("HIS", "guess")),
            "Client.Authentication",
            "authentication failed: wrong username or password",
        ),
        "unknown user": (
            envelope(GOOD, auth(user="EMR")),
            "Client.Authentication",
            "authentication failed: wrong username or password",
        ),
        "no token": (envelope(GOOD), "Client.Authentication", "missing WS-Security UsernameToken"),
        "stale token": (
            envelope(GOOD, auth(created=datetime.now(UTC) - timedelta(hours=1))),
            "Client.Authentication",
            "stale token or clock skew",
        ),
        "malformed XML": (b"<soap:Envelope><oops>", "Client.MalformedXml", "malformed XML: "),
        "DOCTYPE / XXE": (XXE, "Client.DoctypeForbidden", "XML with a DOCTYPE is refused"),
        "missing phone": (
            envelope("<h:SendSms><h:Content>x</h:Content></h:SendSms>", auth()),
            "Client.MissingField",
            "required field Phone is missing or empty",
        ),
        "missing content": (
            envelope(SEND.format(phone="13800138000", content=""), auth()),
            "Client.MissingField",
            "required field Content is missing or empty",
        ),
        "invalid phone": (
            envelope(SEND.format(phone="0755-1234567", content="<h:Content>x</h:Content>"), auth()),
            "Client.InvalidPhone",
            "a landline, not a mobile (PHONE_NOT_MOBILE)",
        ),
        "invalid phone in a batch": (
            envelope(
                "<h:SendBatch><h:Items>"
                "<h:BatchItem><h:Phone>13800138000</h:Phone></h:BatchItem>"
                "<h:BatchItem><h:Phone>1380013800</h:Phone></h:BatchItem>"
                "</h:Items><h:Content>x</h:Content></h:SendBatch>",
                auth(),
            ),
            "Client.InvalidPhone",
            "Items[2].Phone: phone number '138****3800' has 10 digits, expected 11",
        ),
        "priority out of range": (
            envelope(
                GOOD.replace("</h:SendSms>", "<h:Priority>12</h:Priority></h:SendSms>"), auth()
            ),
            "Client.InvalidField",
            "Priority 12 is not within 0..9",
        ),
    }


@pytest.mark.parametrize("case", list(cases()))
def test_bad_input_is_a_specific_fault_and_writes_nothing(
    ws: Live, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, code, text = cases()[case]
    caplog.set_level(logging.DEBUG)
    status, answer = post(ws, body)
    assert status == 500
    assert f"<faultcode>soap:{code}</faultcode>" in answer or f":{code}</faultcode>" in answer
    assert text in answer, answer
    assert count_rows(ws.store) == 0
    assert "his-secret" not in caplog.text and "guess" not in caplog.text


def test_replayed_nonce_is_refused(ws: Live) -> None:
    body = envelope(GOOD, auth())
    assert post(ws, body)[0] == 200
    status, answer = post(ws, body)
    assert status == 500 and "Nonce already used (replay)" in answer
    assert count_rows(ws.store) == 1


def test_oversize_request_is_refused_before_parsing(make_ws: Callable[..., Live]) -> None:
    live = make_ws(max_request_bytes=4096)
    status, answer = post(live, envelope(GOOD + " " * 5000, auth()))
    assert status == 500 and "Client.TooLarge" in answer
    assert "larger than the limit of 4096 bytes" in answer
    assert count_rows(live.store) == 0


def test_address_outside_the_allow_list_is_refused(make_ws: Callable[..., Live]) -> None:
    live = make_ws(allow_ips=["10.0.0.0/8"])
    status, answer = post(live, envelope(GOOD, auth()))
    assert status == 500 and "client address 127.0.0.1 is not in the allow-list" in answer
    assert count_rows(live.store) == 0
    allowed = make_ws(allow_ips=["10.0.0.0/8", "127.0.0.1"])
    assert post(allowed, envelope(GOOD, auth()))[0] == 200
