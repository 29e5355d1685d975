"""Tencent Cloud's TC3-HMAC-SHA256 request signature, as the simulator checks it.

What ``tencentcloud-sdk-python-common`` sends: a canonical request of the method, path,
query, the signed headers (``content-type;host``) and the body's SHA-256; a string to
sign of the algorithm, the ``X-TC-Timestamp``, the credential scope
(``date/service/tc3_request``) and that request's hash; a key derived from ``"TC3" +
SecretKey`` through the date, the service and ``tc3_request``. Pure functions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"
_AUTHORIZATION = re.compile(
    r"^(?P<alg>\S+) Credential=(?P<id>[^/]*)/(?P<date>[^/]*)/(?P<service>[^/]*)/tc3_request,"
    r" ?SignedHeaders=(?P<signed>[^,]*), ?Signature=(?P<sig>[0-9a-f]+)$"
)


@dataclass(frozen=True, slots=True)
class Authorization:
    algorithm: str
    secret_id: str
    date: str  # YYYY-MM-DD (UTC) of the timestamp
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse(header: str) -> Authorization | None:
    found = _AUTHORIZATION.match(header.strip())
    if found is None:
        return None
    signed = tuple(found["signed"].split(";"))
    return Authorization(
        found["alg"], found["id"], found["date"], found["service"], signed, found["sig"]
    )


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed: tuple[str, ...],
    body: bytes,
) -> str:
    """``headers``: lower-case names."""
    lines = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    payload = hashlib.sha256(body).hexdigest()
    return "\n".join((method, path or "/", query, lines, ";".join(signed), payload))


def sign(secret_key: str, timestamp: int, service: str, canonical: str) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def problem(
    auth: Authorization,
    secret_key: str,
    timestamp: int,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> str | None:
    """Why the request's signature is wrong (None: it is right)."""
    if auth.algorithm != ALGORITHM:
        return f"algorithm {auth.algorithm!r} is not supported here"
    if not {"content-type", "host"} <= set(auth.signed_headers):
        return "content-type and host must be signed"
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    if auth.date != date:
        return "the credential's date is not the timestamp's"
    canonical = canonical_request(method, path, query, headers, auth.signed_headers, body)
    wanted = sign(secret_key, timestamp, auth.service, canonical)
    return None if hmac.compare_digest(wanted, auth.signature) else "the signature does not match"
