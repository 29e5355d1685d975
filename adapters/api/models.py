"""The JSON bodies of the API, with the examples its OpenAPI document shows.

Field names are snake_case versions of the WebService's elements (``SourceRef`` ->
``source_ref``); the values and their limits are the same (adapters/webservice/intake.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PHONE = "13800138000"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendRequest(_Body):
    """One message: ``content``, or ``template_code`` with ``params``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "phone": PHONE,
                    "content": "【示例医院】您的检验报告已出，请登录APP查看。",
                    "source_system": "LIS",
                    "source_ref": "LIS-20261130-0001",
                    "priority": 5,
                },
                {
                    "phone": PHONE,
                    "template_code": "APPT_REMIND",
                    "params": {"name": "张三", "time": "12月1日 09:30"},
                    "source_system": "HIS",
                    "source_ref": "APPT-778812",
                },
            ]
        },
    )
    phone: str
    content: str | None = None
    source_system: str | None = None  # default: the caller's first source system
    source_ref: str | None = None  # your id: a repeat answers the first msg_id
    priority: int | None = None  # 0 (most urgent) .. 9; default the source profile's
    send_at: datetime | None = None
    expire_at: datetime | None = None
    account: str | None = None
    dept: str | None = None
    signature: str | None = None
    template_code: str | None = None
    params: dict[str, Any] | None = None  # the template's variables


class SendResult(_Body):
    msg_id: int = Field(examples=[1024])


class BatchHeader(_Body):
    """The first NDJSON line of a batch: what its numbers share."""

    source_system: str | None = None
    batch_ref: str | None = None  # an item without source_ref gets batch_ref#position
    content: str | None = None
    priority: int | None = None
    send_at: datetime | None = None
    expire_at: datetime | None = None
    account: str | None = None
    dept: str | None = None
    signature: str | None = None
    template_code: str | None = None  # instead of content: with params and each item's
    params: dict[str, Any] | None = None  # variables every number shares


class BatchItem(_Body):
    """Every further NDJSON line: one number."""

    phone: str
    content: str | None = None  # this number's own text, instead of the batch's
    source_ref: str | None = None
    params: dict[str, Any] | None = None  # this number's variables, over the batch's


class BatchResult(_Body):
    batch_id: str = Field(examples=["5f0c9a3e2b7d4c1a9e8f6d5c4b3a2910"])
    total: int = Field(examples=[600000])  # numbers in the request
    accepted: int = Field(examples=[600000])  # rows inserted now (a repeated batch adds none)


class MessageStatus(_Body):
    msg_id: int
    source_system: str
    source_ref: str | None
    batch_id: str | None
    phone: str
    status: int  # docs/status.md
    status_name: str
    channel: str | None
    segments: int | None
    created_at: datetime | None
    submitted_at: datetime | None
    report_stat: str | None
    report_at: datetime | None
    error_code: str | None  # docs/errors.md
    error_text: str | None


class Reply(_Body):
    reply_id: int
    phone: str
    content: str
    service_number: str | None
    received_at: datetime | None
    msg_id: int | None  # the message it answers, when it could be correlated


class Replies(_Body):
    replies: list[Reply]
    next_cursor: int  # pass back as cursor to read on


class CancelRequest(_Body):
    reason: str | None = Field(None, examples=["appointment moved"])


class CancelResult(_Body):
    msg_id: int
    status: int
    status_name: str


class Error(_Body):
    """Every refusal: ``code`` is the WebService's faultcode (docs/errors.md#json-api-errors)."""

    code: str = Field(examples=["Client.InvalidPhone"])
    message: str = Field(examples=["Phone: not a mainland mobile number (PHONE_NOT_MOBILE)"])
