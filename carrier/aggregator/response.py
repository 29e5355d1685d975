"""A generic gateway's answers, reports and replies read by its options. Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import jmespath

from hisms.carrier.aggregator.options import GatewayOptions
from hisms.carrier.base import DeliveryReport, MoMessage, Submission
from hisms.carrier.httpapi.answers import Answer, Verdict, billed_count, classify
from hisms.carrier.wire.numbers import national, sender

STAT_WIDTH = 16  # sms_segment.report_stat
_HTTP_VERDICTS = {401: Verdict.AUTH, 403: Verdict.AUTH, 429: Verdict.THROTTLED}


class Unreadable(ValueError):
    """A body that is not what the options say it is."""


def read_body(kind: str, body: bytes) -> Any:
    """A JSON or form body as data (a form as a dict of its first values)."""
    try:
        text = body.decode("utf-8")
        if kind == "form":
            return dict(parse_qsl(text, keep_blank_values=True))
        return json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unreadable(f"not a {kind} body: {exc}") from None


def result_code(opts: GatewayOptions, data: Any) -> str | None:
    return _text(jmespath.search(opts.result_path, data)) if opts.result_path else None


def answers(
    opts: GatewayOptions, status: int, body: bytes, parts: Sequence[Submission]
) -> list[Answer]:
    """One answer per part from the gateway's HTTP answer to the request carrying them."""
    try:
        if opts.response_format == "text":
            return [_text_answer(opts, body.decode("utf-8", "replace"))] * len(parts)
        data = read_body("json", body)
        code = _text(jmespath.search(opts.result_path, data))
    except Unreadable as exc:
        code, data = None, str(exc)
    if code is None:  # no result code: the HTTP status says what it can
        verdict = _HTTP_VERDICTS.get(status, Verdict.RETRY)
        text = f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}"
        return [Answer(verdict, code=f"HTTP{status}", text=text)] * len(parts)
    verdict = classify(code, opts.codes, frozenset(opts.success))
    if verdict is not Verdict.ACCEPTED:
        return [Answer(verdict, code=code, text=_clip(body))] * len(parts)
    if not opts.items_path:
        return [_accepted(opts, data, code)] * len(parts)
    return _per_number(opts, data, code, parts)


def _per_number(
    opts: GatewayOptions, data: Any, code: str, parts: Sequence[Submission]
) -> list[Answer]:
    items = jmespath.search(opts.items_path, data)
    by_phone = {}
    for item in items if isinstance(items, list) else []:
        phone = _text(jmespath.search(opts.item_phone_path, item))
        if phone:
            by_phone[national(phone)] = item
    out = []
    for part in parts:
        item = by_phone.get(part.phone)
        if item is None:
            out.append(Answer(Verdict.RETRY, code="NO_RESULT", text="no answer for the number"))
            continue
        own = _text(jmespath.search(opts.item_result_path, item)) if opts.item_result_path else None
        verdict = classify(own or code, opts.codes, frozenset(opts.success))
        if verdict is Verdict.ACCEPTED:
            out.append(_accepted(opts, item, own or code, part.phone))
        else:
            out.append(Answer(verdict, code=own or code, text=json.dumps(item, ensure_ascii=False)))
    return out


def _accepted(opts: GatewayOptions, data: Any, code: str, phone: str = "") -> Answer:
    msg_id = _text(jmespath.search(opts.id_path, data))
    if not msg_id:
        return Answer(Verdict.RETRY, code="NO_ID", text=f"result {code} without an id")
    return Answer(
        Verdict.ACCEPTED,
        carrier_id(msg_id, phone, opts.numbers_per_request),
        code=code,
        billed=billed_count(jmespath.search(opts.billed_path, data)) if opts.billed_path else None,
    )


def carrier_id(msg_id: str, phone: str, numbers_per_request: int) -> str:
    """The id a part is stored and reported by: a gateway that names a request with several
    numbers by one id tells the numbers apart by phone, so the phone joins the id."""
    return f"{msg_id}:{national(phone)}" if numbers_per_request > 1 else msg_id


def _text_answer(opts: GatewayOptions, body: str) -> Answer:
    match = re.search(opts.response_regex, body)
    if match is None or match.groupdict().get("result") is None:
        return Answer(Verdict.RETRY, code="UNREADABLE", text=body[:200])
    groups = match.groupdict()
    code = groups["result"]
    verdict = classify(code, opts.codes, frozenset(opts.success))
    if verdict is not Verdict.ACCEPTED:
        return Answer(verdict, code=code, text=body[:200])
    if not groups.get("id"):
        return Answer(Verdict.RETRY, code="NO_ID", text=body[:200])
    return Answer(verdict, groups["id"], code=code, billed=billed_count(groups.get("billed")))


def reports(opts: GatewayOptions, channel: str, data: Any) -> list[DeliveryReport]:
    out = []
    for item in _items(opts.report_list, data):
        msg_id = _text(jmespath.search(opts.report_id, item))
        stat = _text(jmespath.search(opts.report_stat, item))
        if not msg_id or stat is None:
            raise Unreadable(f"a report without {opts.report_id} or {opts.report_stat}")
        phone = national(_text(jmespath.search(opts.report_phone, item)) or "")
        delivered = stat in opts.delivered
        error = _text(jmespath.search(opts.report_error, item)) if opts.report_error else None
        out.append(
            DeliveryReport(
                channel,
                carrier_id(msg_id, phone, opts.numbers_per_request),
                "DELIVRD" if delivered else stat[:STAT_WIDTH],
                phone=phone,
                error_code=None if delivered else (error or stat)[:32],
                done_at=_time(opts, item, opts.report_time),
            )
        )
    return out


def replies(opts: GatewayOptions, channel: str, data: Any) -> list[MoMessage]:
    out = []
    for item in _items(opts.mo_list, data):
        phone = _text(jmespath.search(opts.mo_phone, item))
        text = _text(jmespath.search(opts.mo_text, item))
        if not phone or text is None:
            raise Unreadable(f"a reply without {opts.mo_phone} or {opts.mo_text}")
        ext = (_text(jmespath.search(opts.mo_ext, item)) if opts.mo_ext else "") or ""
        # Received now, as the binary carriers' replies are: the gateway's own time (to the
        # second) could precede the MT's submission and miss the correlation window.
        out.append(MoMessage(channel, sender(phone), opts.src_number + ext, text, extension=ext))
    return out


def _items(path: str, data: Any) -> list[Any]:
    """The list at ``path`` (a body that is one item, when ``path`` finds nothing in it)."""
    found = jmespath.search(path, data) if path else None
    if isinstance(found, list):
        return found
    if found is None and isinstance(data, dict):
        return [data]
    if found is None and isinstance(data, list):
        return data
    raise Unreadable(f"{path} is not a list")


def _time(opts: GatewayOptions, item: Any, path: str) -> datetime | None:
    text = _text(jmespath.search(path, item)) if path else None
    if not text:
        return None
    try:
        local = datetime.strptime(text, opts.time_format)
    except ValueError:
        return None  # a garbled time loses only the time: the engine's arrival time stands
    return local.replace(tzinfo=opts.gateway_timezone).astimezone(UTC)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _clip(body: bytes) -> str:
    return body[:200].decode("utf-8", "replace")
