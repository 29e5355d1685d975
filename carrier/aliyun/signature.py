"""Alibaba Cloud's V3 request signature (ACS3-HMAC-SHA256), as the simulator checks it.

The official SDK (``alibabacloud-tea-openapi``, which ``alibabacloud-dysmsapi20170525``
calls) signs every RPC call this way by default: a canonical request of the method, path,
sorted percent-encoded query, the signed headers (every header it sends, lower-cased and
sorted) and the body's SHA-256, hashed and HMAC-ed with the AccessKey secret; the result
goes in ``Authorization: ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=..,Signature=..``.
Pure functions: the simulator hands in what it received.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"
_AUTHORIZATION = re.compile(
    r"^(?P<alg>\S+) Credential=(?P<ak>[^,]*),SignedHeaders=(?P<signed>[^,]*),"
    r"Signature=(?P<sig>[0-9a-f]+)$"
)
# Headers a V3 signature must cover: the provider refuses a request that leaves one out.
_MUST_SIGN = ("host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-content-sha256")


@dataclass(frozen=True, slots=True)
class Authorization:
    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse(header: str) -> Authorization | None:
    """The parts of an ``Authorization`` header, or None when it is not a V3 one."""
    found = _AUTHORIZATION.match(header.strip())
    if found is None:
        return None
    signed = tuple(found["signed"].split(";")) if found["signed"] else ()
    return Authorization(found["alg"], found["ak"], signed, found["sig"])


def canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{k}={quote(query[k], safe='~')}" for k in sorted(query))


def canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed: tuple[str, ...],
    payload_sha256: str,
) -> str:
    """``headers``: lower-case names; ``signed``: the names the signature covers, sorted."""
    lines = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    return "\n".join(
        (method, path or "/", canonical_query(query), lines, ";".join(signed), payload_sha256)
    )


def sign(secret: str, canonical: str) -> str:
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{digest}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def problem(
    auth: Authorization,
    secret: str,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> str | None:
    """Why the request's signature is wrong (None: it is right)."""
    if auth.algorithm != ALGORITHM:
        return f"signature algorithm {auth.algorithm!r} is not supported here"
    missing = [name for name in _MUST_SIGN if name not in auth.signed_headers]
    if missing:
        return f"headers {', '.join(missing)} must be signed"
    payload = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256") != payload:
        return "x-acs-content-sha256 is not the body's SHA-256"
    wanted = sign(
        secret, canonical_request(method, path, query, headers, auth.signed_headers, payload)
    )
    if not hmac.compare_digest(wanted, auth.signature):
        return "the signature does not match the request"
    return None
