"""The aggregators' signature schemes: MD5 or HMAC-SHA256 with the secret. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping


def canonical(fields: Mapping[str, str], skip: set[str]) -> str:
    """The fields sorted by name as ``k=v&k=v`` (empty values and ``skip`` left out)."""
    return "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v != "" and k not in skip)


def sign(method: str, message: str, secret: str, encoding: str) -> str:
    """``message`` (UTF-8) signed: ``md5`` digests it as is (the secret is in the message),
    ``hmac-sha256`` keys the HMAC with the secret."""
    data = message.encode("utf-8")
    if method == "md5":
        digest = hashlib.md5(data, usedforsecurity=False).digest()
    elif method == "hmac-sha256":
        digest = hmac.new(secret.encode("utf-8"), data, hashlib.sha256).digest()
    else:
        raise ValueError(f"unknown signature method {method!r}")
    if encoding == "base64":
        return base64.b64encode(digest).decode("ascii")
    text = digest.hex()
    return text.upper() if encoding == "hex-upper" else text
