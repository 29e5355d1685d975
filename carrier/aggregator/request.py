"""A generic gateway's requests from its options: fields, signature, body. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hisms.carrier.aggregator.options import GatewayOptions
from hisms.carrier.aggregator.signing import canonical, sign
from hisms.carrier.aggregator.template import fill, placeholders
from hisms.carrier.base import Submission


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)  # a GET's fields
    json: dict[str, str] | None = None
    form: dict[str, str] | None = None


def fields(
    opts: GatewayOptions, parts: Sequence[Submission], now: datetime, nonce: str
) -> dict[str, str]:
    """The values a template may name, ``sign`` excepted (it is made from these)."""
    first = parts[0] if parts else None
    return {
        "key": opts.key,
        "secret": opts.secret.get_secret_value(),
        "phone": first.phone if first else "",
        "phones": opts.phone_separator.join(p.phone for p in parts),
        "text": first.text if first else "",
        "ext": first.src_ext if first else "",
        "timestamp": str(int(now.timestamp() * 1000)),
        "timestamp_s": str(int(now.timestamp())),
        "datetime": now.astimezone(opts.gateway_timezone).strftime("%Y%m%d%H%M%S"),
        "nonce": nonce,
    }


def signature(opts: GatewayOptions, body: Mapping[str, str], values: Mapping[str, str]) -> str:
    """The ``{sign}`` of a request whose other fields are ``values``; ``body`` is its body's
    templates (the sorted-fields scheme signs the body's fields other than the signature)."""
    if opts.sign_method == "none":
        return ""
    secret = values["secret"]
    if opts.sign_template:
        message = fill(opts.sign_template, values)
    else:
        filled = {k: fill(t, values) for k, t in body.items() if "sign" not in placeholders(t)}
        message = canonical(filled, skip=set())
        if opts.sign_method == "md5":
            message += f"&key={secret}"
    return sign(opts.sign_method, message, secret, opts.sign_encoding)


def build(
    opts: GatewayOptions,
    url: str,
    body: Mapping[str, str],
    parts: Sequence[Submission],
    now: datetime,
    nonce: str,
) -> HttpRequest:
    """The request to ``url`` with ``body``'s templates filled for ``parts`` (none: a pull)."""
    values = fields(opts, parts, now, nonce)
    values["sign"] = signature(opts, body, values)
    filled = {k: fill(t, values) for k, t in body.items()}
    headers = {k: fill(t, values) for k, t in opts.headers.items()}
    if opts.method == "GET" and parts:
        return HttpRequest("GET", url, headers, query=filled)
    if opts.body_format == "form":
        return HttpRequest("POST", url, headers, form=filled)
    return HttpRequest("POST", url, headers, json=filled)
