"""What a caller signs, and the token bucket of its rate."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from hisms.adapters.api import signing
from hisms.adapters.api.ratelimit import Bucket, retry_after
from hisms.adapters.api.signing import Algorithm


def test_the_canonical_text_is_method_target_time_nonce_and_body_hash() -> None:
    text = signing.canonical("post", "/api/v1/messages?x=1", "1700000000", "n0nce-123", b"\x01")
    assert text == b"POST\n/api/v1/messages?x=1\n1700000000\nn0nce-123\n01"


def test_sign_gives_headers_the_signature_matches() -> None:
    for algorithm in Algorithm:
        headers = signing.sign(algorithm, "key-0001", "s3cret", "GET", "/api/v1/replies", b"")
        body_hash = algorithm.hasher()
        body_hash.update(b"")
        expected = signing.signature(
            algorithm, "s3cret", "GET", "/api/v1/replies", headers[signing.TIMESTAMP],
            headers[signing.NONCE], body_hash.digest(),
        )  # fmt: skip
        assert signing.matches(expected, headers[signing.SIGNATURE].upper())
        assert signing.NONCE_PATTERN.match(headers[signing.NONCE])
    sha = hashlib.sha256(b"").digest()
    assert Algorithm.HMAC_SHA256.mac(b"k", signing.canonical("GET", "/", "1", "n", sha)) != (
        Algorithm.HMAC_SM3.mac(b"k", signing.canonical("GET", "/", "1", "n", sha))
    )


def test_a_bucket_lets_a_burst_through_then_says_how_long_to_wait() -> None:
    now = [0.0]
    bucket = Bucket(rate=2.0, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == 0.5
    assert retry_after(0.5) == 1
    now[0] = 0.5
    assert bucket.take() == 0.0


def test_the_documented_python_signing_matches_the_server() -> None:
    doc = Path(__file__).parents[3] / "docs" / "integration.md"
    snippet = re.search(r"```python\n(.*?)```", doc.read_text("utf-8"), re.S)
    assert snippet, "docs/integration.md has no Python signing example"
    namespace: dict[str, Any] = {}
    exec(snippet[1], namespace)
    body = b'{"phone": "13800138000"}'
    for digest, algorithm in (("sha256", Algorithm.HMAC_SHA256), ("sm3", Algorithm.HMAC_SM3)):
        headers = namespace["signed_headers"](
            "k", "s3cret", "POST", "/api/v1/messages", body, digest
        )
        hasher = algorithm.hasher()
        hasher.update(body)
        expected = signing.signature(
            algorithm, "s3cret", "POST", "/api/v1/messages", headers[signing.TIMESTAMP],
            headers[signing.NONCE], hasher.digest(),
        )  # fmt: skip
        assert signing.matches(expected, headers[signing.SIGNATURE])
