"""A generic HTTP gateway channel's options: the shared HTTP ones plus the API's shape."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import Field

from hisms.carrier.aggregator.template import PLACEHOLDERS, placeholders
from hisms.carrier.base import CarrierError
from hisms.carrier.httpapi.answers import Verdict
from hisms.carrier.httpapi.settings import HttpSettings
from hisms.carrier.session.options import Check, Choice, Integer, Text, problem, read
from hisms.carrier.session.settings import ReportClock

SIGNS = {"none": "none", "md5": "md5", "hmac-sha256": "hmac-sha256"}
ENCODINGS = {"hex": "hex", "hex-upper": "hex-upper", "base64": "base64"}
FORMATS = {"json": "json", "form": "form"}
RESPONSES = {"json": "json", "text": "text"}
METHODS = {"post": "POST", "get": "GET"}
VERDICTS = {v.value: v for v in Verdict if v is not Verdict.ACCEPTED}


@dataclass(frozen=True, slots=True)
class Templates(Check):
    """A table of names to templates over the message's fields (``{text}``...)."""

    def __call__(self, value: Any) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise problem("must be a table of names to text")
        out = {}
        for name, template in value.items():
            if not isinstance(template, str):
                raise problem(f"{name}: must be text")
            unknown = placeholders(template) - PLACEHOLDERS
            if unknown:
                known = ", ".join(sorted(PLACEHOLDERS))
                raise problem(f"{name}: unknown field(s) {sorted(unknown)} (known: {known})")
            out[str(name)] = template
        return out

    def describe(self) -> str:
        return "table of templates"


@dataclass(frozen=True, slots=True)
class Path(Check):
    """A JMESPath expression (empty: not given)."""

    def __call__(self, value: Any) -> str:
        text = str(value)
        if text:
            try:
                jmespath.compile(text)
            except JMESPathError as exc:
                raise problem(f"not a JMESPath expression: {exc}") from None
        return text

    def describe(self) -> str:
        return "JMESPath"


@dataclass(frozen=True, slots=True)
class Pattern(Check):
    """A regular expression (empty: not given)."""

    def __call__(self, value: Any) -> str:
        text = str(value)
        try:
            re.compile(text)
        except re.error as exc:
            raise problem(f"not a regular expression: {exc}") from None
        return text

    def describe(self) -> str:
        return "regular expression"


@dataclass(frozen=True, slots=True)
class Words(Check):
    def __call__(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise problem("must be a list of text")
        return tuple(str(v) for v in value)

    def describe(self) -> str:
        return "list of text"


@dataclass(frozen=True, slots=True)
class CodeTable(Check):
    def __call__(self, value: Any) -> dict[str, Verdict]:
        if not isinstance(value, Mapping):
            raise problem("must be a table of result codes to verdicts")
        out = {}
        for code, verdict in value.items():
            chosen = verdict if isinstance(verdict, Verdict) else VERDICTS.get(str(verdict))
            if chosen is None:
                raise problem(f"{code}: must be one of {', '.join(VERDICTS)}")
            out[str(code)] = chosen
        return out

    def describe(self) -> str:
        return f"table of code to {' / '.join(VERDICTS)}"


class GatewayOptions(HttpSettings, ReportClock):
    url: Annotated[str, Text(1000, required=True)] = Field(
        description="where messages are sent (https://...)"
    )
    method: Annotated[str, Choice(METHODS, 'must be "POST" or "GET"')] = Field(
        "POST", description="the send request's method (GET: the body goes in the query)"
    )
    body_format: Annotated[str, Choice(FORMATS, 'must be "json" or "form"')] = Field(
        "json", description="the body of a POST"
    )
    body: Annotated[dict[str, str], Templates()] = Field(
        description="the request's fields, each a template: {key} {secret} {phone} {phones}"
        " {text} {ext} {timestamp} {timestamp_s} {datetime} {nonce} {sign}"
    )
    headers: Annotated[dict[str, str], Templates()] = Field(
        default_factory=dict, description="extra headers, templates like the body's"
    )
    numbers_per_request: Annotated[int, Integer(1, 1000)] = Field(
        1, description="numbers one request carries ({phones}, joined by phone_separator)"
    )
    phone_separator: Annotated[str, Text(4)] = Field(",", description="between {phones}")
    sign_method: Annotated[str, Choice(SIGNS, 'must be "none", "md5" or "hmac-sha256"')] = Field(
        "none", description="how {sign} is made, with the secret"
    )
    sign_template: Annotated[str, Text(1000, ascii_only=False)] = Field(
        "",
        description="what is signed, a template (e.g. {key}{secret}{timestamp}); empty:"
        " the body's other fields sorted as k=v&k=v (md5 appends &key=<secret>)",
    )
    sign_encoding: Annotated[str, Choice(ENCODINGS, 'must be "hex", "hex-upper" or "base64"')] = (
        Field("hex", description="how the signature's bytes are written")
    )
    response_format: Annotated[
        str, Choice(FORMATS | {"text": "text"}, 'must be "json" or "text"')
    ] = Field("json", description="the answer's body")
    result_path: Annotated[str, Path()] = Field(
        "code", description="the request's result code in a JSON answer"
    )
    items_path: Annotated[str, Path()] = Field(
        "", description="the list of per-number answers (with numbers_per_request > 1)"
    )
    item_phone_path: Annotated[str, Path()] = Field(
        "mobile", description="in a per-number answer: its number"
    )
    item_result_path: Annotated[str, Path()] = Field(
        "", description="in a per-number answer: its result code (empty: the request's)"
    )
    id_path: Annotated[str, Path()] = Field(
        "msgid", description="the message id (in a per-number answer, if items_path)"
    )
    billed_path: Annotated[str, Path()] = Field(
        "", description="the parts billed (in a per-number answer, if items_path)"
    )
    response_regex: Annotated[str, Pattern()] = Field(
        "", description="a text answer: groups named result, id and (optional) billed"
    )
    success: Annotated[tuple[str, ...], Words()] = Field(
        ("0",), description="the result codes that mean accepted"
    )
    codes: Annotated[dict[str, Verdict], CodeTable()] = Field(
        default_factory=dict,
        description="other result codes (or prefixes ending in *) to verdicts; an unlisted"
        " code is rejected",
    )
    push_format: Annotated[str, Choice(FORMATS, 'must be "json" or "form"')] = Field(
        "json", description="the body of a pushed report or reply"
    )
    push_ok: Annotated[str, Text(1000, ascii_only=False)] = Field(
        '{"code":"0"}', description="the answer to a push once stored"
    )
    push_error: Annotated[str, Text(1000, ascii_only=False)] = Field(
        '{"code":"1"}', description="the answer to a push not stored (sent with status 500)"
    )
    report_list: Annotated[str, Path()] = Field(
        "reports", description="the list of reports in a push or a pull's answer"
    )
    report_id: Annotated[str, Path()] = Field("msgid", description="in a report: the id")
    report_phone: Annotated[str, Path()] = Field("mobile", description="in a report")
    report_stat: Annotated[str, Path()] = Field("status", description="in a report")
    report_error: Annotated[str, Path()] = Field(
        "", description="in a report: the error code kept when not delivered"
    )
    report_time: Annotated[str, Path()] = Field("", description="in a report: the done time")
    time_format: Annotated[str, Text(64)] = Field(
        "%Y-%m-%d %H:%M:%S", description="of report_time (strftime)"
    )
    delivered: Annotated[tuple[str, ...], Words()] = Field(
        ("DELIVRD",), description="the report stats that mean delivered (stored as DELIVRD)"
    )
    mo_list: Annotated[str, Path()] = Field(
        "mos", description="the list of replies in a push or a pull's answer"
    )
    mo_phone: Annotated[str, Path()] = Field("mobile", description="in a reply")
    mo_text: Annotated[str, Path()] = Field("content", description="in a reply")
    mo_ext: Annotated[str, Path()] = Field(
        "extno", description="in a reply: the extension it was sent to"
    )
    src_number: Annotated[str, Text(21, digits=True)] = Field(
        "", description="the service number the extension follows (for sms_inbox)"
    )
    report_pull_url: Annotated[str, Text(1000)] = Field(
        "", description="where reports are pulled (POST of pull_body); empty: push only"
    )
    mo_pull_url: Annotated[str, Text(1000)] = Field(
        "", description="where replies are pulled (POST of pull_body); empty: push only"
    )
    pull_body: Annotated[dict[str, str], Templates()] = Field(
        default_factory=dict, description="a pull request's fields, templates like the body's"
    )


def parse(name: str, options: Mapping[str, Any]) -> GatewayOptions:
    parsed = read(GatewayOptions, name, options)
    if parsed.numbers_per_request > 1 and not parsed.items_path:
        raise CarrierError(f"channel {name!r}: numbers_per_request > 1 needs items_path")
    if parsed.response_format == "text" and not parsed.response_regex:
        raise CarrierError(f'channel {name!r}: response_format "text" needs response_regex')
    if parsed.response_format == "text" and parsed.numbers_per_request > 1:
        raise CarrierError(f'channel {name!r}: response_format "text" takes one number')
    return parsed
