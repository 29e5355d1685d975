"""The request signature, free of HTTP: what a caller signs and how it is checked.

A caller sends its API key, a timestamp (Unix seconds), a nonce (8-64 characters of
``[A-Za-z0-9_-]``) and the hex HMAC, under its algorithm, of::

    METHOD \\n PATH[?QUERY] \\n TIMESTAMP \\n NONCE \\n hex(HASH(body as sent))

HASH is SM3 for HMAC-SM3 callers and SHA-256 for HMAC-SHA256 callers; PATH and QUERY as
on the request line (percent-encoded as sent). An SM4 caller signs the encrypted body.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import time

from hisms.adapters.api import gm

KEY = "X-Hisms-Key"
TIMESTAMP = "X-Hisms-Timestamp"
NONCE = "X-Hisms-Nonce"
SIGNATURE = "X-Hisms-Signature"
ENCRYPTION = "X-Hisms-Encryption"  # "SM4-CBC": the body (and the answer) is encrypted
SM4_CBC = "SM4-CBC"
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class Algorithm(enum.StrEnum):
    HMAC_SM3 = "HMAC-SM3"
    HMAC_SHA256 = "HMAC-SHA256"

    def hasher(self) -> gm.Hasher:
        return gm.sm3_hasher() if self is Algorithm.HMAC_SM3 else hashlib.sha256()

    def mac(self, key: bytes, message: bytes) -> bytes:
        if self is Algorithm.HMAC_SM3:
            return gm.hmac_sm3(key, message)
        return hmac.new(key, message, hashlib.sha256).digest()


def canonical(method: str, target: str, timestamp: str, nonce: str, body_hash: bytes) -> bytes:
    """The signed text; ``target`` is the path with its query string, if any."""
    return "\n".join((method.upper(), target, timestamp, nonce, body_hash.hex())).encode()


def signature(
    algorithm: Algorithm, secret: str, method: str, target: str, timestamp: str, nonce: str,
    body_hash: bytes,
) -> str:  # fmt: skip
    return algorithm.mac(
        secret.encode(), canonical(method, target, timestamp, nonce, body_hash)
    ).hex()


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def sign(
    algorithm: Algorithm, key: str, secret: str, method: str, target: str, body: bytes
) -> dict[str, str]:
    """The headers a caller sends with ``body`` (clients, tests and the bench use this)."""
    hasher = algorithm.hasher()
    hasher.update(body)
    stamp, nonce = str(int(time.time())), secrets.token_urlsafe(16)
    mac = signature(algorithm, secret, method, target, stamp, nonce, hasher.digest())
    return {KEY: key, TIMESTAMP: stamp, NONCE: nonce, SIGNATURE: mac}
