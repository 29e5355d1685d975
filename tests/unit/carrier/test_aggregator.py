"""The generic HTTP gateway's pure parts: options, signing, requests, answers, pushes."""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hisms.carrier import registry
from hisms.carrier.aggregator import request, response
from hisms.carrier.aggregator.options import GatewayOptions, parse
from hisms.carrier.aggregator.signing import canonical, sign
from hisms.carrier.aggregator.simulator import md5_sign
from hisms.carrier.base import CarrierError, Submission, SubmitKey
from hisms.carrier.httpapi.answers import Verdict
from hisms.carrier.httpapi.carrier import HttpCarrier

SAMPLE = Path(__file__).resolve().parents[3] / "etc" / "http-gateway.toml"
NOW = datetime(2026, 11, 30, 4, 0, 0, tzinfo=UTC)


def sample(**changes: Any) -> dict[str, Any]:
    (channel,) = tomllib.loads(SAMPLE.read_text("utf-8"))["channels"]
    options = {k: v for k, v in channel.items() if k not in ("name", "protocol", "enabled")}
    options.pop("operators")
    return {**options, "secret": "s3cret", **changes}


def opts(**changes: Any) -> GatewayOptions:
    return parse("agg", sample(**changes))


def part(n: int, phone: str = "13800138000", text: str = "hello") -> Submission:
    return Submission(SubmitKey(n, 1, 1), phone, text, text.encode(), src_ext="01")


def test_the_sample_builds_an_http_carrier() -> None:
    carrier = registry.create("http", "agg", sample())
    assert isinstance(carrier, HttpCarrier) and carrier.provider.max_numbers == 100


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"body": {"x": "{password}"}}, "unknown field(s) ['password']"),
        ({"result_path": "data[["}, "not a JMESPath expression"),
        ({"codes": {"9": "maybe"}}, "must be one of"),
        ({"items_path": ""}, "numbers_per_request > 1 needs items_path"),
        ({"sign_method": "sha1"}, "must be"),
        ({"bogus": 1}, "unknown option"),
    ],
)
def test_bad_options_name_the_problem(change: dict[str, Any], words: str) -> None:
    with pytest.raises(CarrierError) as caught:
        parse("agg", sample(**change))
    assert words in str(caught.value) and "s3cret" not in str(caught.value)


def test_signature_schemes() -> None:
    assert sign("md5", "abc", "k", "hex") == hashlib.md5(b"abc").hexdigest()
    assert sign("md5", "abc", "k", "hex-upper") == hashlib.md5(b"abc").hexdigest().upper()
    mac = hmac.new(b"k", "签名".encode(), hashlib.sha256).hexdigest()
    assert sign("hmac-sha256", "签名", "k", "hex") == mac
    assert canonical({"b": "2", "a": "1", "c": ""}, skip=set()) == "a=1&b=2"


def test_request_is_signed_as_the_simulator_checks() -> None:
    req = request.build(
        opts(), "http://x/sms/send", opts().body, [part(1), part(2, "13900139000")], NOW, "n"
    )
    assert req.method == "POST" and req.json is not None
    body = req.json
    assert body["mobile"] == "13800138000,13900139000" and body["extno"] == "01"
    assert body["timestamp"] == str(int(NOW.timestamp() * 1000))
    assert body["sign"] == md5_sign("hisms", "s3cret", body["timestamp"])


def test_sorted_fields_scheme_and_form_and_get() -> None:
    o = opts(sign_template="", body_format="form", numbers_per_request=1)
    req = request.build(o, "u", o.body, [part(1)], NOW, "n")
    assert req.form is not None
    signed = {k: v for k, v in req.form.items() if k != "sign"}
    expected = canonical(signed, set()) + "&key=s3cret"
    assert req.form["sign"] == hashlib.md5(expected.encode()).hexdigest()
    get = request.build(opts(method="GET"), "u", o.body, [part(1)], NOW, "n")
    assert get.method == "GET" and get.query["mobile"] == "13800138000"


def test_per_number_answers_ids_and_billed() -> None:
    body = (
        b'{"code":"0","data":[{"mobile":"13900139000","code":"104"},'
        b'{"mobile":"13800138000","code":"0","msgid":"M1","fee":2}]}'
    )
    a, b, c = response.answers(
        opts(), 200, body, [part(1), part(2, "13900139000"), part(3, "13700137000")]
    )
    assert (a.verdict, a.carrier_msg_id, a.billed) == (Verdict.ACCEPTED, "M1:13800138000", 2)
    assert (b.verdict, b.code) == (Verdict.REJECTED, "104")
    assert c.verdict is Verdict.RETRY  # no answer for the number


@pytest.mark.parametrize(
    ("status", "body", "verdict", "code"),
    [
        (200, b'{"code":"103","msg":"sign error"}', Verdict.AUTH, "103"),
        (200, b'{"code":"108"}', Verdict.THROTTLED, "108"),
        (200, b'{"code":"999"}', Verdict.REJECTED, "999"),
        (502, b"<html>bad gateway</html>", Verdict.RETRY, "HTTP502"),
        (429, b"", Verdict.THROTTLED, "HTTP429"),
        (401, b"", Verdict.AUTH, "HTTP401"),
    ],
)
def test_request_level_answers(status: int, body: bytes, verdict: Verdict, code: str) -> None:
    (answer,) = response.answers(opts(), status, body, [part(1)])
    assert (answer.verdict, answer.code) == (verdict, code)


def test_text_answer_by_regex() -> None:
    o = opts(
        numbers_per_request=1,
        items_path="",
        response_format="text",
        response_regex=r"^(?P<result>-?\d+),(?P<id>\w*)",
    )
    (ok,) = response.answers(o, 200, b"0,20261130001", [part(1)])
    (bad,) = response.answers(o, 200, b"-2,", [part(1)])
    assert (ok.verdict, ok.carrier_msg_id) == (Verdict.ACCEPTED, "20261130001")
    assert (bad.verdict, bad.code) == (Verdict.REJECTED, "-2")


def test_reports_and_replies_from_a_push() -> None:
    o = opts()
    data = response.read_body(
        "json",
        b'{"reports":[{"msgid":"M1","mobile":"8613800138000","status":"DELIVRD",'
        b'"time":"2026-11-30 12:00:00"},{"msgid":"M2","mobile":"13900139000",'
        b'"status":"UNDELIV","errcode":"MK:0001"}]}',
    )
    ok, failed = response.reports(o, "agg", data)
    assert (ok.carrier_msg_id, ok.stat, ok.phone) == ("M1:13800138000", "DELIVRD", "13800138000")
    assert ok.done_at == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # Beijing noon
    assert (failed.stat, failed.error_code) == ("UNDELIV", "MK:0001")
    (mo,) = response.replies(
        o, "agg", {"mos": [{"mobile": "13800138000", "content": "1", "extno": "01"}]}
    )
    assert (mo.service_number, mo.extension, mo.content) == ("1069000001", "01", "1")
    with pytest.raises(response.Unreadable):
        response.reports(o, "agg", {"reports": [{"mobile": "1"}]})
    with pytest.raises(response.Unreadable):
        response.read_body("json", b"{not json")


def test_the_sample_speaks_the_simulator_s_api() -> None:
    """etc/http-gateway.toml and the simulator's channel_options (the bench's channel) read
    the same: every option the latter sets, the sample sets alike (or to a default)."""
    from hisms.carrier.aggregator.simulator import channel_options

    ours = parse("agg", channel_options("http://127.0.0.1:7893", "hisms", "s3cret"))
    theirs = opts()
    for name in GatewayOptions.model_fields:
        if name in ("rate", "report_wait_seconds", "poll_every_seconds", "mo_pull_url"):
            continue  # tuning and the optional MO pull: the sample's choices
        mine, sample_value = getattr(ours, name), getattr(theirs, name)
        if name == "codes":  # the sample names more of the aggregator's codes
            assert mine.items() <= sample_value.items()
        elif name == "body":
            assert mine == {k: sample_value[k] for k in mine}
        else:
            assert mine == sample_value, name
