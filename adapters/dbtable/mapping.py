"""The mapping of a legacy HIS table onto the outbox (``etc/his_mapping.example.toml``).

The HIS keeps its own table and column names; the mapping says which column is
the key, the phone, the content and the status, which status values mean "to
send" and each result, and which columns receive the error text and the times.
Only the mapped columns are ever written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

StatusValue = str | int


class MappingError(Exception):
    """The mapping file is missing or wrong; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    key: str
    phone: str
    content: str
    status: str
    priority: str | None = None
    send_at: str | None = None
    dept_code: str | None = None
    account: str | None = None
    error_text: str | None = None
    submitted_at: str | None = None
    done_at: str | None = None  # when the final result (delivered or failed) arrived


class StatusValues(_Strict):
    to_send: StatusValue
    queued: StatusValue  # copied into sms_outbox, not submitted yet
    submitted: StatusValue
    delivered: StatusValue
    failed: StatusValue  # failed, expired, rejected or cancelled: see error_text


class Mapping(_Strict):
    table: str  # "SCHEMA.TABLE" or "TABLE"
    source_system: str = Field("HIS", max_length=32)
    url: str = ""  # the HIS database; empty = the engine's own database
    batch_size: int = Field(200, ge=1, le=5000)
    poll_seconds: float = Field(1.0, gt=0)
    default_priority: int = Field(5, ge=0, le=9)
    error_text_max: int = Field(200, ge=1)
    columns: Columns
    status: StatusValues

    @model_validator(mode="after")
    def _distinct_status_values(self) -> Mapping:
        values = list(self.status.model_dump().values())
        if len(set(map(str, values))) != len(values):
            raise ValueError("status values must all differ")
        return self

    @property
    def schema_name(self) -> str | None:
        return self.table.rpartition(".")[0] or None

    @property
    def table_name(self) -> str:
        return self.table.rpartition(".")[2]


def load(path: str | Path) -> Mapping:
    try:
        return Mapping(**tomllib.loads(Path(path).read_text("utf-8")))
    except FileNotFoundError as exc:
        raise MappingError(f"HIS mapping file {path} not found") from exc
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise MappingError(f"{path}: {exc}") from exc
