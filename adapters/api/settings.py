"""The ``[api]`` section: the JSON API's callers, keys and limits.

Kept free of FastAPI imports so loading the configuration stays cheap. Secrets come
from the environment (``HISMS_API__CALLERS__ESB__SECRET``) and are never logged.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from hisms.adapters.api.signing import Algorithm


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiCaller(_Section):
    """One calling system: its API key, HMAC secret and algorithm, whom it may act for."""

    key: str = Field(min_length=8, max_length=128)  # sent as X-Hisms-Key; not a secret
    secret: SecretStr  # the HMAC key
    algorithm: Algorithm = Algorithm.HMAC_SM3
    sources: list[str] = []  # source systems it may send/query for; empty = its own name
    # 32 hex digits: request and answer bodies are SM4-CBC encrypted (X-Hisms-Encryption)
    sm4_key: SecretStr = SecretStr("")
    allow_ips: list[str] = []  # besides [api] allow_ips; empty = any the section allows
    rate_per_second: float = Field(50.0, gt=0)  # requests; a batch counts as one
    burst: int = Field(100, ge=1)

    @field_validator("sm4_key")
    @classmethod
    def _sm4_key_is_128_bits(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if text:
            try:
                ok = len(bytes.fromhex(text)) == 16
            except ValueError:
                ok = False
            if not ok:
                raise ValueError("sm4_key must be 32 hexadecimal digits (128 bits)")
        return value


class ApiConfig(_Section):
    """Served under /api/v1 by the [monitoring] HTTP server (its host and port)."""

    enabled: bool = False
    allow_ips: list[str] = []  # addresses or networks (10.0.0.0/8); empty = any
    max_body_bytes: int = Field(64 * 1024 * 1024, ge=1024)  # 600,000 numbers: ~16 MB of NDJSON
    max_clock_skew_seconds: float = Field(300.0, gt=0)
    # HTTPS for the whole server (/metrics too); with tls_client_ca every client must show
    # a certificate that CA issued (mutual TLS).
    tls_certfile: str = ""
    tls_keyfile: str = ""
    tls_client_ca: str = ""
    batch_chunk: int = Field(5000, ge=1, le=5000)
    max_concurrent_batches: int = Field(2, ge=1)
    max_query_ids: int = Field(1000, ge=1)  # ids + source refs per status query
    max_replies: int = Field(1000, ge=1)  # largest replies page (limit; default 100)
    pool_size: int = Field(4, ge=1)  # database connections of the API
    callers: dict[str, ApiCaller] = {}
