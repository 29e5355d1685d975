"""``hisms simulate tencent``: Tencent Cloud SMS 2021-01-11 on 127.0.0.1.

SendSms (up to 200 numbers, a status per number), PullSmsSendStatus and
PullSmsReplyStatus (each record handed out once), with the TC3-HMAC-SHA256 signature
checked as the provider does (:mod:`.signature`), errors in the provider's shape
(``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``, HTTP 200), and status and
reply callbacks pushed in the provider's formats to the URLs the operator registers.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

import click
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hisms.adapters.http.server import Tls
from hisms.carrier.cloudsim import templates
from hisms.carrier.cloudsim.cli import cloud_command
from hisms.carrier.cloudsim.sim import CloudSimulator, Hooks, Reply, Sent, mobile
from hisms.carrier.simulator.config import SimConfig
from hisms.carrier.tencent import errors, signature

VERSION = "2021-01-11"
SERVICE = "sms"
MAX_NUMBERS = 200
CLOCK_SKEW = 300  # seconds: an older X-TC-Timestamp is AuthFailure.SignatureExpire
DEFAULT_APP_ID = "1400000000"
DEFAULT_TEMPLATES = {"100000": "{1}"}


class Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class TencentSimulator(CloudSimulator):
    def __init__(
        self,
        config: SimConfig,
        hooks: Hooks,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = DEFAULT_APP_ID,
        signs: Sequence[str] = ("hisms",),
        registered: dict[str, str] | None = None,
        tls: Tls | None = None,
    ) -> None:
        self.app_id = app_id
        self.signs = set(signs)
        self.templates = dict(registered or DEFAULT_TEMPLATES)
        super().__init__(config, hooks, host, port, tls)

    def routes(self) -> Sequence[BaseRoute]:
        return [Route("/", self._api, methods=["POST"])]

    async def _api(self, request: Request) -> Response:
        body = await request.body()
        request_id = str(uuid.uuid4())
        await self.answer_delay()
        try:
            self._authenticate(request, body)
            params = _params(body)
            answer = self._dispatch(request.headers.get("x-tc-action", ""), params)
        except Refusal as refusal:
            answer = {"Error": {"Code": refusal.code, "Message": refusal.message}}
        return JSONResponse({"Response": {**answer, "RequestId": request_id}})

    def _authenticate(self, request: Request, body: bytes) -> None:
        self.counters.logins += 1
        auth = signature.parse(request.headers.get("authorization", ""))
        if auth is None:
            self.counters.login_failures += 1
            raise Refusal("AuthFailure.InvalidAuthorization", "Authorization is not valid.")
        if auth.secret_id != self.config.account:
            self.counters.login_failures += 1
            raise Refusal(errors.SECRET_ID_NOT_FOUND, "The SecretId is not found.")
        try:
            stamp = int(request.headers.get("x-tc-timestamp", ""))
        except ValueError:
            raise Refusal("MissingParameter", "X-TC-Timestamp is missing.") from None
        if abs(time.time() - stamp) > CLOCK_SKEW:
            raise Refusal(errors.SIGNATURE_EXPIRE, "Signature expired.")
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = request.url.query
        wrong = signature.problem(
            auth, self.config.secret, stamp, request.method, request.url.path, query, headers, body
        )
        if wrong is not None:
            self.counters.login_failures += 1
            raise Refusal(
                errors.SIGNATURE_FAILURE,
                f"The provided credentials could not be validated: {wrong}.",
            )

    def _dispatch(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        if action == "SendSms":
            return self._send(params)
        if action == "PullSmsSendStatus":
            return self._pull_status(params)
        if action == "PullSmsReplyStatus":
            return self._pull_replies(params)
        raise Refusal(errors.UNKNOWN_ACTION, f"The action {action!r} is not found.")

    def _app(self, params: dict[str, Any]) -> None:
        if params.get("SmsSdkAppId") != self.app_id:
            raise Refusal(errors.APP_ID_UNKNOWN, "SmsSdkAppId 不存在。")

    def _send(self, params: dict[str, Any]) -> dict[str, Any]:
        self._app(params)
        numbers = params.get("PhoneNumberSet") or []
        if not isinstance(numbers, list) or not numbers:
            raise Refusal(errors.INVALID_PARAMETER, "PhoneNumberSet is missing.")
        if len(numbers) > MAX_NUMBERS:
            raise Refusal(errors.NUMBER_COUNT_LIMIT, f"at most {MAX_NUMBERS} numbers a request")
        sign, template = str(params.get("SignName", "")), str(params.get("TemplateId", ""))
        if sign not in self.signs:
            raise Refusal(errors.SIGN_UNAPPROVED, f"签名未审批或格式错误: {sign}")
        body = self.templates.get(template)
        if body is None:
            raise Refusal(errors.TEMPLATE_UNAPPROVED, f"模板未审批或内容不匹配: {template}")
        values = [str(v) for v in params.get("TemplateParamSet") or []]
        text = templates.tencent_render(body, values)
        if text is None:
            raise Refusal(errors.PARAMS_MISMATCH, "模板变量个数与审核通过的模板内容不匹配")
        return {"SendStatusSet": [self._one(str(n), sign, template, text, params) for n in numbers]}

    def _one(
        self, number: str, sign: str, template: str, text: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        context = str(params.get("SessionContext", ""))
        status: dict[str, Any] = {"PhoneNumber": number, "SessionContext": context, "IsoCode": "CN"}
        phone = mobile(number)
        if phone is None:
            return {**status, "SerialNo": "", "Fee": 0, "Code": errors.INCORRECT_NUMBER,
                    "Message": "手机号格式错误"}  # fmt: skip
        if self.throttled():
            return {**status, "SerialNo": "", "Fee": 0, "Code": errors.THIRTY_SECOND_LIMIT,
                    "Message": "单个手机号30秒内下发短信条数超过设定的上限"}  # fmt: skip
        serial = f"3369:{self.next_id():028d}"
        parts = templates.billed(sign, text)
        extend = str(params.get("ExtendCode", ""))
        self.accepted(
            Sent(
                serial,
                phone,
                f"【{sign}】{text}",
                template,
                sign,
                parts,
                extend,
                context,
                self.now(),
            )
        )
        return {**status, "SerialNo": serial, "Fee": parts, "Code": errors.OK,
                "Message": "send success"}  # fmt: skip

    def _pull_status(self, params: dict[str, Any]) -> dict[str, Any]:
        self._app(params)
        limit = min(int(params.get("Limit") or 100), 100)
        taken, self.book.unpulled_reports = (
            self.book.unpulled_reports[:limit],
            self.book.unpulled_reports[limit:],
        )
        return {"PullSmsSendStatusSet": [_status(s) for s in taken]}

    def _pull_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        self._app(params)
        limit = min(int(params.get("Limit") or 100), 100)
        taken, self.book.unpulled_replies = (
            self.book.unpulled_replies[:limit],
            self.book.unpulled_replies[limit:],
        )
        return {"PullSmsReplyStatusSet": [_reply(r) for r in taken]}

    def report_push(self, sent: Sent) -> list[dict[str, Any]]:
        assert sent.done_at is not None
        return [
            {
                "user_receive_time": sent.done_at.strftime("%Y-%m-%d %H:%M:%S"),
                "nationcode": "86",
                "mobile": sent.phone,
                "report_status": "SUCCESS" if sent.stat == "DELIVRD" else "FAIL",
                "errmsg": sent.stat,
                "description": "用户短信送达成功" if sent.stat == "DELIVRD" else "用户短信送达失败",
                "sid": sent.msg_id,
                "ext": {"SessionContext": sent.out_id},
            }
        ]

    def reply_push(self, reply: Reply) -> Any:
        return {
            "extend": reply.extend,
            "mobile": reply.phone,
            "nationcode": "86",
            "sign": reply.sign,
            "text": reply.content,
            "time": int(reply.at.timestamp()),
        }


def _status(sent: Sent) -> dict[str, Any]:
    assert sent.done_at is not None
    return {
        "UserReceiveTime": sent.done_at.strftime("%Y-%m-%d %H:%M:%S"),
        "CountryCode": "86",
        "SubscriberNumber": sent.phone,
        "PhoneNumber": f"+86{sent.phone}",
        "SerialNo": sent.msg_id,
        "ReportStatus": "SUCCESS" if sent.stat == "DELIVRD" else "FAIL",
        "Description": sent.stat,
        "SessionContext": sent.out_id,
    }


def _reply(reply: Reply) -> dict[str, Any]:
    return {
        "ExtendCode": reply.extend,
        "CountryCode": "86",
        "SubscriberNumber": reply.phone,
        "PhoneNumber": f"+86{reply.phone}",
        "SignName": reply.sign,
        "ReplyContent": reply.content,
        "ReplyTime": reply.at.strftime("%Y-%m-%d %H:%M:%S"),
    }


def _params(body: bytes) -> dict[str, Any]:
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        raise Refusal(errors.INVALID_PARAMETER, "the body is not JSON") from None
    if not isinstance(params, dict):
        raise Refusal(errors.INVALID_PARAMETER, "the body is not a JSON object")
    return params


cli = cloud_command(
    "tencent",
    "Tencent Cloud SMS",
    port=18082,
    account_flag="--secret-id",
    account_default="AKIDhisms",
    build=lambda config, hooks, app_id, signs, registered, **kw: TencentSimulator(
        config, hooks, app_id=app_id, signs=signs, registered=registered or None, **kw
    ),
    options=[
        click.Option(["--app-id"], default=DEFAULT_APP_ID, help="the SmsSdkAppId accepted"),
        click.Option(["--sign", "signs"], multiple=True, default=["hisms"], help="sign names"),
        click.Option(
            ["--template", "registered"],
            multiple=True,
            help="ID=TEXT with {1}, {2}... (default 100000={1})",
        ),
    ],
)
