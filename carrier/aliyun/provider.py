"""Alibaba Cloud SMS through the official SDK (``alibabacloud-dysmsapi20170525``).

With ``numbers_per_request = 1`` (the default) one SendSms per number, its BizId the
carrier message id; with more, the numbers of one text share a SendBatchSms (up to 100),
whose one BizId names them all: the carrier message id is then ``<BizId>:<number>``, as
the reports name a message by BizId and number. A batch the provider refuses for one
message's fault (an ``isv.*`` code) is sent again number by number, so that only that
message fails. The SDK's async calls, so no thread is held. Reports and replies come as
the provider's HTTP batch pushes (SmsReport, SmsUp: JSON arrays, answered
``{"code": 0}``), and QuerySendDetails polls the parts no push reported.

The provider splits long text itself and bills it by parts (70 characters with the sign, 67
a part beyond), but SendSms and SendBatchSms do not say how many: a report does. The
SmsReport push gives the count (``sms_size``); QuerySendDetails gives none, only the text
sent (``Content``, with the sign), which is counted by that rule. Either becomes the
report's ``billed``, which the engine stores in the part's ``sms_segment.total``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Annotated, Any

from alibabacloud_dysmsapi20170525 import models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from darabonba.runtime import RuntimeOptions
from pydantic import Field
from starlette.responses import JSONResponse, Response

from hisms.carrier.aliyun import errors
from hisms.carrier.base import DeliveryReport, MoMessage, Submission
from hisms.carrier.cloud.options import CloudSettings, require_credentials
from hisms.carrier.cloud.templates import UNMAPPED, Call, TemplateMap, Unmapped
from hisms.carrier.cloud.templates import parse as parse_templates
from hisms.carrier.httpapi.answers import Answer, Verdict, billed_count
from hisms.carrier.httpapi.provider import Provider, Push, Pushed, PushError, Sent, url_address
from hisms.carrier.session.options import Integer, Text
from hisms.carrier.wire.numbers import sender
from hisms.carrier.wire.times import GATEWAY_TZ
from hisms.engine import segment
from hisms.engine.errors import ErrorCode

log = logging.getLogger(__name__)
DELIVERED = "DELIVERED"  # Aliyun's err_code of a delivered message
MAX_BATCH = 100  # numbers of one SendBatchSms


class AliyunSettings(CloudSettings):
    endpoint: Annotated[str, Text(256)] = Field(
        "dysmsapi.aliyuncs.com", description="the API host (host:port for a simulator)"
    )
    region: Annotated[str, Text(64)] = Field("cn-hangzhou", description="the region id")
    numbers_per_request: Annotated[int, Integer(1, MAX_BATCH)] = Field(
        1,
        description="1: a SendSms per number; more: the numbers of one text share a "
        "SendBatchSms (carrier_msg_id <BizId>:<number>; change it only with no report pending)",
    )


class AliyunProvider(Provider):
    max_numbers = 1
    push_kinds = ("report", "mo")
    polls = True

    def __init__(self, name: str, settings: AliyunSettings) -> None:
        super().__init__(name)
        require_credentials(name, settings)
        self.settings = settings
        self.templates: TemplateMap = parse_templates(name, settings.model_dump())
        self.client = Client(
            openapi.Config(
                access_key_id=settings.key,
                access_key_secret=settings.secret.get_secret_value(),
                endpoint=settings.endpoint,
                protocol=settings.scheme,
                region_id=settings.region,
                read_timeout=int(settings.timeout_seconds * 1000),
                connect_timeout=int(settings.connect_timeout_seconds * 1000),
                ca=settings.ca_file or None,
            )
        )
        self.runtime = RuntimeOptions(ignore_ssl=not settings.verify_tls)
        self.max_numbers = settings.numbers_per_request
        self.batches = settings.numbers_per_request > 1

    def _id(self, biz_id: str, phone: str) -> str:
        return f"{biz_id}:{phone}" if self.batches else biz_id

    def address(self) -> tuple[str, int]:
        return url_address(f"{self.settings.scheme}://{self.settings.endpoint}")

    async def send(self, parts: Sequence[Submission]) -> list[Answer]:
        if not self.batches:
            return [await self._send_one(part) for part in parts]
        first = parts[0]  # the parts share their text: one template and its params
        call = self.templates.call(first.template, first.params, first.text)
        if isinstance(call, Unmapped):
            return [Answer(Verdict.REJECTED, code=UNMAPPED, text=call.text) for _ in parts]
        answer = await self._call(
            self.client.send_batch_sms_with_options_async(_batch(parts, call), self.runtime)
        )
        if answer.verdict is Verdict.ACCEPTED:
            biz_id = str(answer.carrier_msg_id)
            return [
                dataclasses.replace(answer, carrier_msg_id=self._id(biz_id, p.phone)) for p in parts
            ]
        if answer.verdict is Verdict.REJECTED and len(parts) > 1:
            # One message's fault refuses the whole batch: each number alone, so that only
            # the faulty one fails (rare: the engine checked the numbers before).
            return [(await self.send([part]))[0] for part in parts]
        return [answer for _ in parts]

    async def _send_one(self, part: Submission) -> Answer:
        call = self.templates.call(part.template, part.params, part.text)
        if isinstance(call, Unmapped):
            return Answer(Verdict.REJECTED, code=UNMAPPED, text=call.text)
        request = _request(part, call)
        return await self._call(self.client.send_sms_with_options_async(request, self.runtime))

    async def _call(self, sending: Awaitable[Any]) -> Answer:
        """SendSms' or SendBatchSms' answer: ACCEPTED with the BizId, else the refusal."""
        try:
            answer = await sending
        except AlibabaCloudException as exc:
            return _refusal(str(exc.code), str(exc.message))
        except Exception as exc:  # the SDK wraps transport trouble its own way
            return Answer(Verdict.RETRY, code=ErrorCode.RETRY, text=f"{type(exc).__name__}: {exc}")
        body = answer.body
        code = str(body.code or "")
        if code != errors.OK:
            return _refusal(code, str(body.message or ""))
        return Answer(Verdict.ACCEPTED, carrier_msg_id=str(body.biz_id))

    # -- pushes -----------------------------------------------------------------

    def read_push(self, push: Push) -> list[Pushed]:
        try:
            items = json.loads(push.body)
            if not isinstance(items, list):
                raise ValueError("not a JSON array")
            if push.kind == "report":
                return [self._report(item) for item in items]
            return [self._reply(item) for item in items]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PushError(f"not an Aliyun {push.kind} push: {exc}") from None

    def _report(self, item: dict[str, Any]) -> DeliveryReport:
        code = str(item.get("err_code") or "")
        delivered = item["success"] is True or code == DELIVERED
        phone = sender(str(item.get("phone_number", "")))
        return DeliveryReport(
            self.name,
            self._id(str(item["biz_id"]), phone),
            "DELIVRD" if delivered else (code or "UNDELIV"),
            phone=phone,
            error_code=None if delivered else code,
            done_at=_when(item.get("report_time")),
            billed=billed_count(item.get("sms_size")),
        )

    def _reply(self, item: dict[str, Any]) -> MoMessage:
        extend = str(item.get("dest_code") or "")
        return MoMessage(
            self.name,
            sender(str(item["phone_number"])),
            extend,
            str(item["content"]),
            extension=extend,
        )

    def push_reply(self, stored: bool) -> Response:
        if stored:
            return JSONResponse({"code": 0, "msg": "接收成功"})
        return JSONResponse({"code": 1, "msg": "not stored, push again"}, status_code=500)

    # -- polling ----------------------------------------------------------------

    async def poll(self, sent: Sequence[Sent]) -> list[Pushed]:
        """One QuerySendDetails per part, ``connections`` at a time; a part whose query
        fails is simply asked again at the next poll."""
        gate = asyncio.Semaphore(self.settings.connections)

        async def query(one: Sent) -> DeliveryReport | None:
            async with gate:
                try:
                    return await self._query(one)
                except Exception as exc:  # the SDK's own errors and transport trouble alike
                    log.warning("%s: QuerySendDetails failed: %s", self.name, exc)
                    return None

        found = await asyncio.gather(*(query(s) for s in sent))
        return [report for report in found if report is not None]

    async def _query(self, sent: Sent) -> DeliveryReport | None:
        request = models.QuerySendDetailsRequest(
            phone_number=sent.phone,
            biz_id=sent.carrier_msg_id.partition(":")[0],
            send_date=sent.at.astimezone(GATEWAY_TZ).strftime("%Y%m%d"),
            page_size=10,
            current_page=1,
        )
        answer = await self.client.query_send_details_with_options_async(request, self.runtime)
        details = answer.body.sms_send_detail_dtos
        for detail in (details.sms_send_detail_dto or []) if details else []:
            if detail.send_status in (2, 3):  # 1: still waiting for the handset
                delivered = detail.send_status == 3
                code = str(detail.err_code or "")
                return DeliveryReport(
                    self.name,
                    sent.carrier_msg_id,
                    "DELIVRD" if delivered else (code or "UNDELIV"),
                    phone=sent.phone,
                    error_code=None if delivered else code,
                    done_at=_when(detail.receive_date),
                    billed=_parts(detail.content),
                )
        return None


def _request(part: Submission, call: Call) -> models.SendSmsRequest:
    return models.SendSmsRequest(
        phone_numbers=part.phone,
        sign_name=call.sign,
        template_code=call.template,
        template_param=json.dumps(call.named, ensure_ascii=False) if call.named else None,
        sms_up_extend_code=part.src_ext or None,
        out_id=f"{part.key.outbox_id}-{part.key.seq}",
    )


def _batch(parts: Sequence[Submission], call: Call) -> models.SendBatchSmsRequest:
    """One SendBatchSms for parts of one text: the same sign, template and params each."""
    n = len(parts)
    params = json.dumps([call.named or {}] * n, ensure_ascii=False)
    first = parts[0]
    return models.SendBatchSmsRequest(
        phone_number_json=json.dumps([p.phone for p in parts]),
        sign_name_json=json.dumps([call.sign] * n, ensure_ascii=False),
        template_code=call.template,
        template_param_json=params if call.named else None,
        sms_up_extend_code_json=json.dumps([first.src_ext] * n) if first.src_ext else None,
        out_id=f"{first.key.outbox_id}-{first.key.seq}",
    )


def _parts(content: Any) -> int | None:
    """The parts the provider bills for the text it sent (QuerySendDetails' ``Content``, the
    sign included): 70 characters in one, else 67 a part. None without the text."""
    return segment.count(content) if isinstance(content, str) and content else None


def _refusal(code: str, text: str) -> Answer:
    # error_code keeps 32 characters, and Tencent's codes run longer: error_text has it whole.
    return Answer(errors.verdict(code), code=code, text=f"{code}: {text}"[:300])


def _when(text: Any) -> datetime | None:
    """The provider's ``yyyy-MM-dd HH:mm:ss``, in Beijing time."""
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=GATEWAY_TZ)
    except ValueError:
        return None
