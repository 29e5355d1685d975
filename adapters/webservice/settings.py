"""The ``[webservice]`` and ``[platform]`` configuration sections.

Kept free of spyne/zeep imports so loading the configuration stays cheap.
"""

from __future__ import annotations

import socket

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClientConfig(_Section):
    """One calling system (ESB, HIS...): its WS-Security password and whom it may act for."""

    password: SecretStr
    sources: list[str] = []  # source systems it may send/query for; empty = its own name


class WebServiceConfig(_Section):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8088, ge=0, le=65535)
    threads: int = Field(8, ge=1, le=256)  # per worker process
    # Processes serving the port (SO_REUSEPORT: Linux). Nonces are in the database and the
    # SendBatch slots are shared, so a client sees one service; each worker has its own
    # database connections (database.pool_size).
    workers: int = Field(1, ge=1, le=64)
    allow_ips: list[str] = []  # addresses or networks (10.0.0.0/8); empty = any
    max_request_bytes: int = Field(64 * 1024 * 1024, ge=1024)  # 600,000 numbers: ~35 MB
    max_clock_skew_seconds: float = Field(300.0, gt=0)
    tls_certfile: str = ""  # both set = HTTPS
    tls_keyfile: str = ""
    batch_chunk: int = Field(5000, ge=1, le=5000)
    # SendBatch requests served at once (600,000 numbers hold ~110 MB); one more waits up to
    # batch_wait_seconds for its turn, then gets Server.Busy
    max_concurrent_batches: int = Field(2, ge=1)
    batch_wait_seconds: float = Field(10.0, ge=0)
    max_query_ids: int = Field(1000, ge=1)  # MsgIds + SourceRefs per QueryStatus
    max_replies: int = Field(1000, ge=1)  # largest QueryReplies page (Limit; default 100)
    clients: dict[str, ClientConfig] = {}

    @field_validator("workers")
    @classmethod
    def _one_port(cls, value: int) -> int:
        if value > 1 and not hasattr(socket, "SO_REUSEPORT"):
            raise ValueError("workers above 1 share the port with SO_REUSEPORT (Linux): set 1 here")
        return value


class PlatformConfig(_Section):
    """Where results of platform-mode source systems are pushed (zeep client)."""

    enabled: bool = False
    wsdl: str = ""
    status_operation: str = "ReceiveSmsResult"
    mo_operation: str = "ReceiveSmsReply"
    sources: list[str] = []  # registered in platform mode at start unless already known
    username: str = ""  # WS-Security UsernameToken towards the platform, if it wants one
    password: SecretStr = SecretStr("")
    timeout_seconds: float = Field(10.0, gt=0)
    retry_attempts: int = Field(3, ge=1)  # tries per event before it counts as one failure
    failure_threshold: int = Field(5, ge=1)  # consecutive failures -> switch to table mode
    interval_seconds: float = Field(1.0, gt=0)
    lease_seconds: float = Field(60.0, gt=0)
    batch_size: int = Field(100, ge=1)
    # After an automatic switch to table mode: probe probe_url (default: wsdl) every round and
    # switch back (replaying) once it has answered for return_after_seconds in a row.
    auto_return: bool = False
    return_after_seconds: float = Field(60.0, ge=0)
    probe_url: str = ""
    # Platform element name -> our event field; see README for the fields.
    status_fields: dict[str, str] = {
        "EventId": "id",
        "MsgId": "outbox_id",
        "SourceSystem": "source_system",
        "SourceRef": "source_ref",
        "Status": "status",
        "StatusName": "status_name",
        "ReportStat": "report_stat",
        "ErrorCode": "error_code",
        "ErrorText": "error_text",
        "EventAt": "event_at",
    }
    mo_fields: dict[str, str] = {
        "EventId": "id",
        "ReplyId": "inbox_id",
        "MsgId": "outbox_id",
        "SourceSystem": "source_system",
        "SourceRef": "source_ref",
        "Phone": "phone",
        "Content": "content",
        "ServiceNumber": "service_number",
        "ReceivedAt": "event_at",
    }
