"""The ``[console]`` section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class ConsoleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Served by `hisms run` on the [monitoring] HTTP server (its host and port) under
    # /console when enabled; `hisms console` serves it alone on host:port below.
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)  # `hisms console` only; 0 picks a free port
    # Signs the session cookies; from the environment (HISMS_CONSOLE__SECRET_KEY). Empty:
    # a random key per process (every session ends when the process does).
    secret_key: SecretStr = SecretStr("")
    # Behind TLS (directly or through a proxy): cookies only over HTTPS.
    secure_cookies: bool = False
    session_minutes: float = Field(30.0, gt=0)  # idle time before logging in again
    # 等保三级: lock-out after repeated failed logins, password rules and expiry.
    max_failed_logins: int = Field(5, ge=1)
    lockout_minutes: float = Field(15.0, gt=0)
    password_min_length: int = Field(10, ge=8)
    password_days: int = Field(90, ge=1)  # then the user must choose a new one
    # The dashboard: how often it refreshes and how often the rates are sampled.
    refresh_seconds: float = Field(5.0, ge=1)
    sample_seconds: float = Field(10.0, ge=1)
    # Rows a search shows per page, and at most in an export.
    page_rows: int = Field(50, ge=10, le=500)
    export_rows: int = Field(50_000, ge=1)
