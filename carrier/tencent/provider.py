"""Tencent Cloud SMS through the official SDK (``tencentcloud-sdk-python-sms``, async).

Numbers with the same text share a SendSms (up to 200), each answered with its own code
and SerialNo, the carrier message id, and its billed count (``Fee``). Reports and replies
come as the provider's callbacks (a JSON array of statuses, one reply object), answered
``{"result": 0}``; PullSmsSendStatus brings the reports no callback did (each record is
handed out once, pushed or not), PullSmsReplyStatus the replies when ``pull_replies`` (every
``poll_every_seconds``, whether or not a report is overdue).
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from starlette.responses import JSONResponse, Response
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models
from tencentcloud.sms.v20210111.sms_client_async import SmsClient

from hisms.carrier.base import DeliveryReport, MoMessage, Submission
from hisms.carrier.cloud.options import CloudSettings, require_credentials
from hisms.carrier.cloud.templates import UNMAPPED, TemplateMap, Unmapped
from hisms.carrier.cloud.templates import parse as parse_templates
from hisms.carrier.httpapi.answers import Answer, Verdict
from hisms.carrier.httpapi.client import open_client
from hisms.carrier.httpapi.provider import Provider, Push, Pushed, PushError, Sent, url_address
from hisms.carrier.session.options import Flag, Text
from hisms.carrier.tencent import errors
from hisms.carrier.wire.numbers import sender
from hisms.carrier.wire.times import GATEWAY_TZ

MAX_NUMBERS = 200
PULL_LIMIT = 100  # records one pull hands out at most
PULL_ROUNDS = 10  # pulls in one poll at most


class TencentSettings(CloudSettings):
    endpoint: Annotated[str, Text(256)] = Field(
        "sms.tencentcloudapi.com", description="the API host (host:port for a simulator)"
    )
    region: Annotated[str, Text(64)] = Field("ap-guangzhou", description="the region")
    app_id: Annotated[str, Text(32)] = Field("", description="the SmsSdkAppId of the SMS app")
    pull_replies: Annotated[bool, Flag()] = Field(
        False, description="poll replies too (when no reply callback is registered)"
    )


class TencentProvider(Provider):
    max_numbers = MAX_NUMBERS
    push_kinds = ("report", "mo")
    polls = True

    def __init__(self, name: str, settings: TencentSettings) -> None:
        super().__init__(name)
        require_credentials(name, settings)
        self.settings = settings
        self.templates: TemplateMap = parse_templates(name, settings.model_dump(), by_position=True)
        http = HttpProfile(
            protocol=settings.scheme,
            endpoint=settings.endpoint,
            reqTimeout=settings.timeout_seconds,
            keepAlive=True,
        )
        credential = Credential(settings.key, settings.secret.get_secret_value())
        self.client = SmsClient(credential, settings.region, ClientProfile(httpProfile=http))
        # The SDK's own httpx client cannot take a CA bundle (its `certification` string is
        # sent as a client certificate), reads proxies from the environment, and pools
        # without limit: ours has the channel's certificate checks, pool and timeouts.
        self.client.http_client = open_client(settings)
        # Replies are pulled every poll_every_seconds on their own: a reply must not wait
        # for some report to be overdue.
        self.pulls_replies = settings.pull_replies

    async def close(self) -> None:
        await self.client.close()

    def address(self) -> tuple[str, int]:
        return url_address(f"{self.settings.scheme}://{self.settings.endpoint}")

    async def send(self, parts: Sequence[Submission]) -> list[Answer]:
        first = parts[0]  # the parts share their text: one template and its params
        call = self.templates.call(first.template, first.params, first.text)
        if isinstance(call, Unmapped):
            return [Answer(Verdict.REJECTED, code=UNMAPPED, text=call.text) for _ in parts]
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{p.phone}" for p in parts]
        request.SmsSdkAppId = self.settings.app_id
        request.SignName = call.sign
        request.TemplateId = call.template
        request.TemplateParamSet = call.ordered
        request.ExtendCode = first.src_ext
        try:
            answer = await self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            refusal = _answer(str(exc.code), str(exc.message))
            return [refusal for _ in parts]
        statuses: dict[str, deque[Any]] = defaultdict(deque)
        for status in answer.SendStatusSet or []:
            statuses[sender(str(status.PhoneNumber))].append(status)
        return [_one(statuses[p.phone]) for p in parts]

    # -- pushes -----------------------------------------------------------------

    def read_push(self, push: Push) -> list[Pushed]:
        try:
            body = json.loads(push.body)
            if push.kind == "report":
                return [self._report(item) for item in _array(body)]
            return [self._reply(body)]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PushError(f"not a Tencent {push.kind} callback: {exc}") from None

    def _report(self, item: dict[str, Any]) -> DeliveryReport:
        delivered = item["report_status"] == "SUCCESS"
        stat = "DELIVRD" if delivered else str(item.get("errmsg") or "UNDELIV")
        return DeliveryReport(
            self.name,
            str(item["sid"]),
            stat,
            phone=sender(str(item.get("mobile", ""))),
            error_code=None if delivered else stat,
            done_at=_when(item.get("user_receive_time")),
        )

    def _reply(self, item: dict[str, Any]) -> MoMessage:
        extend = str(item.get("extend") or "")
        # received_at stays our clock's: the provider's whole seconds could fall before
        # the MT's submission and miss the correlation.
        return MoMessage(
            self.name, sender(str(item["mobile"])), extend, str(item["text"]), extension=extend
        )

    def push_reply(self, stored: bool) -> Response:
        if stored:
            return JSONResponse({"result": 0, "errmsg": "OK"})
        return JSONResponse({"result": 1, "errmsg": "not stored"}, status_code=500)

    # -- polling ----------------------------------------------------------------

    async def poll(self, sent: Sequence[Sent]) -> list[Pushed]:
        found: list[Pushed] = []
        for _ in range(PULL_ROUNDS):
            request = models.PullSmsSendStatusRequest()
            request.Limit, request.SmsSdkAppId = PULL_LIMIT, self.settings.app_id
            answer = await self.client.PullSmsSendStatus(request)
            got = answer.PullSmsSendStatusSet or []
            found.extend(self._pulled_report(s) for s in got)
            if len(got) < PULL_LIMIT:
                break
        return found

    async def pull_replies(self) -> list[Pushed]:
        found: list[Pushed] = []
        for _ in range(PULL_ROUNDS):
            request = models.PullSmsReplyStatusRequest()
            request.Limit, request.SmsSdkAppId = PULL_LIMIT, self.settings.app_id
            answer = await self.client.PullSmsReplyStatus(request)
            got = answer.PullSmsReplyStatusSet or []
            found.extend(self._pulled_reply(r) for r in got)
            if len(got) < PULL_LIMIT:
                break
        return found

    def _pulled_report(self, status: Any) -> DeliveryReport:
        delivered = status.ReportStatus == "SUCCESS"
        stat = "DELIVRD" if delivered else str(status.Description or "UNDELIV")
        return DeliveryReport(
            self.name,
            str(status.SerialNo),
            stat,
            phone=sender(str(status.PhoneNumber)),
            error_code=None if delivered else stat,
            done_at=_when(status.UserReceiveTime),
        )

    def _pulled_reply(self, reply: Any) -> MoMessage:
        extend = str(reply.ExtendCode or "")
        return MoMessage(
            self.name, sender(str(reply.PhoneNumber)), extend, str(reply.ReplyContent),
            extension=extend,
        )  # fmt: skip


def _one(statuses: deque[Any]) -> Answer:
    if not statuses:
        return Answer(Verdict.RETRY, code="NO_RESULT", text="no status for the number")
    status = statuses.popleft()
    code = str(status.Code)
    if code != errors.OK:
        return _answer(code, str(status.Message or ""))
    return Answer(Verdict.ACCEPTED, carrier_msg_id=str(status.SerialNo), billed=status.Fee)


def _answer(code: str, text: str) -> Answer:
    # error_code keeps 32 characters, and Tencent's codes run longer: error_text has it whole.
    return Answer(errors.verdict(code), code=code, text=f"{code}: {text}"[:300])


def _array(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, list):
        raise ValueError("not a JSON array")
    return body


def _when(text: Any) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=GATEWAY_TZ)
    except ValueError:
        return None
