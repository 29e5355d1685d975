"""``hisms simulate aliyun``: Dysmsapi 2017-05-25 (RPC style) on 127.0.0.1.

SendSms, SendBatchSms and QuerySendDetails, with the V3 signature the official SDK sends
checked as the provider does (:mod:`.signature`), refusals in the provider's shape
(``{"RequestId", "HostId", "Code", "Message"}``, 4xx), BizIds, and reports (SmsReport)
and replies (SmsUp) pushed as JSON arrays to the URLs the operator registers. A report's
``sms_size`` is the parts the text is billed as, the sign included: 70 characters in one,
else 67 a part; QuerySendDetails gives the text sent (``Content``) and no count, as the
provider's does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import click
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from hisms.adapters.http.server import Tls
from hisms.carrier.aliyun import errors, signature
from hisms.carrier.cloudsim import templates
from hisms.carrier.cloudsim.cli import cloud_command
from hisms.carrier.cloudsim.sim import CloudSimulator, Hooks, Sent, mobile
from hisms.carrier.simulator.config import SimConfig

HOST_ID = "dysmsapi.aliyuncs.com"
VERSION = "2017-05-25"
MAX_NUMBERS = 1000  # SendSms PhoneNumbers
MAX_BATCH = 100  # SendBatchSms PhoneNumberJson
CLOCK_SKEW = timedelta(minutes=15)
DEFAULT_TEMPLATES = {"SMS_TEXT": "${content}"}


class Refusal(Exception):
    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class AliyunSimulator(CloudSimulator):
    def __init__(
        self,
        config: SimConfig,
        hooks: Hooks,
        host: str = "127.0.0.1",
        port: int = 0,
        signs: Sequence[str] = ("hisms",),
        registered: dict[str, str] | None = None,
        tls: Tls | None = None,
    ) -> None:
        self.signs = set(signs)
        self.templates = dict(registered or DEFAULT_TEMPLATES)
        self._nonces: set[str] = set()
        super().__init__(config, hooks, host, port, tls)

    def routes(self) -> Sequence[BaseRoute]:
        return [Route("/", self._api, methods=["GET", "POST"])]

    async def _api(self, request: Request) -> Response:
        body = await request.body()
        request_id = str(uuid.uuid4()).upper()
        await self.answer_delay()
        try:
            params = self._authenticate(request, body)
            action = request.headers.get("x-acs-action", "")
            answer = self._dispatch(action, params)
        except Refusal as refusal:
            self.counters.login_failures += refusal.status in (400, 403, 404)
            status = refusal.status
            answer = {"Code": refusal.code, "Message": refusal.message, "HostId": HOST_ID}
            if status != 200:
                answer["Recommend"] = f"https://api.aliyun.com/troubleshoot?q={refusal.code}"
            return JSONResponse({"RequestId": request_id, **answer}, status_code=status)
        return JSONResponse({"RequestId": request_id, **answer})

    def _authenticate(self, request: Request, body: bytes) -> dict[str, str]:
        self.counters.logins += 1
        auth = signature.parse(request.headers.get("authorization", ""))
        if auth is None:
            raise Refusal(errors.MISSING_PARAMETER, "Authorization is mandatory.", 400)
        if auth.access_key_id != self.config.account:
            raise Refusal(errors.UNKNOWN_ACCESS_KEY, "Specified access key is not found.", 404)
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query_params)
        wrong = signature.problem(
            auth, self.config.secret, request.method, request.url.path, query, headers, body
        )
        if wrong is not None:
            raise Refusal(
                errors.SIGNATURE_MISMATCH,
                f"Specified signature does not match our calculation: {wrong}.",
                400,
            )
        self._check_replay(headers)
        form = _form(body, headers.get("content-type", ""))
        return {**form, **query}

    def _check_replay(self, headers: dict[str, str]) -> None:
        try:
            stamp = datetime.fromisoformat(headers.get("x-acs-date", "").replace("Z", "+00:00"))
        except ValueError:
            raise Refusal(errors.TIME_EXPIRED, "Specified time stamp is not valid.", 400) from None
        if abs(datetime.now(stamp.tzinfo) - stamp) > CLOCK_SKEW:
            raise Refusal(
                errors.TIME_EXPIRED, "Specified time stamp or date value is expired.", 400
            )
        nonce = headers.get("x-acs-signature-nonce", "")
        if nonce in self._nonces:
            raise Refusal(errors.NONCE_USED, "Specified signature nonce was used already.", 400)
        self._nonces.add(nonce)

    def _dispatch(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        if action == "SendSms":
            return self._send(params)
        if action == "SendBatchSms":
            return self._send_batch(params)
        if action == "QuerySendDetails":
            return self._query(params)
        raise Refusal(errors.UNKNOWN_ACTION, f"Specified api {action!r} is not found.", 404)

    def _throttle(self) -> None:
        # The two ways the provider throttles: the business limit in a 200 answer, and the
        # API gateway's flow control as a 400.
        if self.throttled():
            if self.counters.throttled % 2:
                raise Refusal(errors.BUSINESS_LIMIT, "触发小时级流控Permits:1")
            raise Refusal(
                errors.THROTTLING_USER, "Request was denied due to user flow control.", 400
            )

    def _send(self, params: dict[str, str]) -> dict[str, Any]:
        phones = _need(params, "PhoneNumbers").split(",")
        sign, code = _need(params, "SignName"), _need(params, "TemplateCode")
        values = _json(params.get("TemplateParam") or "{}", dict)
        if len(phones) > MAX_NUMBERS:
            raise Refusal(errors.MOBILE_COUNT, f"at most {MAX_NUMBERS} numbers")
        extend = params.get("SmsUpExtendCode", "")
        return self._accept([(p, sign, values, extend) for p in phones], code, params)

    def _send_batch(self, params: dict[str, str]) -> dict[str, Any]:
        phones = _json(_need(params, "PhoneNumberJson"), list)
        signs = _json(_need(params, "SignNameJson"), list)
        values = _json(params.get("TemplateParamJson") or "[]", list) or [{}] * len(phones)
        given = params.get("SmsUpExtendCodeJson")
        extends = _json(given, list) if given else [""] * len(phones)
        if len(phones) > MAX_BATCH:
            raise Refusal(errors.MOBILE_COUNT, f"at most {MAX_BATCH} numbers")
        if not len(phones) == len(signs) == len(values) == len(extends):
            raise Refusal(errors.INVALID_PARAMETERS, "the JSON arrays differ in length")
        items = list(zip(phones, signs, values, extends, strict=True))
        return self._accept(items, _need(params, "TemplateCode"), params)

    def _accept(
        self, items: list[tuple[str, str, Any, str]], code: str, params: dict[str, str]
    ) -> dict[str, Any]:
        self._throttle()
        body = self.templates.get(code)
        if body is None:
            raise Refusal(errors.TEMPLATE_ILLEGAL, f"模板不合法(不存在或被拉黑): {code}")
        checked = []
        for phone, sign, values, extend in items:
            number = mobile(str(phone))
            if number is None:
                raise Refusal(errors.MOBILE_ILLEGAL, f"非法手机号: {phone}")
            if sign not in self.signs:
                raise Refusal(errors.SIGNATURE_ILLEGAL, f"签名不合法(不存在或被拉黑): {sign}")
            text = templates.aliyun_render(body, {str(k): str(v) for k, v in dict(values).items()})
            if isinstance(text, list):
                raise Refusal(errors.MISSING_PARAMS, f"模板缺少变量: {', '.join(text)}")
            checked.append((number, sign, text, str(extend)))
        biz_id = f"{self.next_id():018d}^0"
        for number, sign, text, extend in checked:
            self.accepted(
                Sent(
                    biz_id,
                    number,
                    f"【{sign}】{text}",
                    code,
                    sign,
                    templates.billed(sign, text),
                    extend,
                    params.get("OutId", ""),
                    self.now(),
                )
            )
        return {"Code": errors.OK, "Message": "OK", "BizId": biz_id}

    def _query(self, params: dict[str, str]) -> dict[str, Any]:
        number = mobile(_need(params, "PhoneNumber")) or ""
        day = _need(params, "SendDate")
        size = min(int(params.get("PageSize") or 10), 50)
        page = max(int(params.get("CurrentPage") or 1), 1)
        biz_id = params.get("BizId", "")
        found = [
            s
            for s in self.book.sent.values()
            if s.phone == number
            and s.sent_at.strftime("%Y%m%d") == day
            and (not biz_id or s.msg_id == biz_id)
        ]
        shown = found[(page - 1) * size : page * size]
        return {
            "Code": errors.OK,
            "Message": "OK",
            "TotalCount": len(found),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": [_detail(s) for s in shown]},
        }

    def report_push(self, sent: Sent) -> list[dict[str, Any]]:
        assert sent.done_at is not None
        return [
            {
                "phone_number": sent.phone,
                "send_time": _time(sent.sent_at),
                "report_time": _time(sent.done_at),
                "success": sent.stat == "DELIVRD",
                "err_code": _err_code(sent.stat),
                "err_msg": "用户接收成功" if sent.stat == "DELIVRD" else "失败",
                "sms_size": str(sent.parts),
                "biz_id": sent.msg_id,
                "out_id": sent.out_id,
            }
        ]

    def reply_push(self, reply: Any) -> Any:
        return [
            {
                "phone_number": reply.phone,
                "send_time": _time(reply.at),
                "content": reply.content,
                "sign_name": reply.sign,
                "dest_code": reply.extend,
                "sequence_id": self.next_id(),
            }
        ]


def _detail(sent: Sent) -> dict[str, Any]:
    status = 1 if not sent.stat else 3 if sent.stat == "DELIVRD" else 2
    return {
        "PhoneNum": sent.phone,
        "SendStatus": status,
        "ErrCode": _err_code(sent.stat) if sent.stat else "",
        "TemplateCode": sent.template,
        "Content": sent.text,
        "SendDate": _time(sent.sent_at),
        "ReceiveDate": _time(sent.done_at) if sent.done_at else "",
        "OutId": sent.out_id,
    }


def _err_code(stat: str) -> str:
    return "DELIVERED" if stat == "DELIVRD" else stat


def _time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _need(params: dict[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value:
        raise Refusal(errors.MISSING_PARAMETER, f"{name} is mandatory for this action.", 400)
    return value


def _json(text: str, kind: type) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refusal(errors.INVALID_JSON, f"JSON参数不合法: {text[:40]}") from None
    if not isinstance(value, kind):
        raise Refusal(errors.INVALID_JSON, f"JSON参数不合法: {text[:40]}")
    return value


def _form(body: bytes, content_type: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    if not body or "x-www-form-urlencoded" not in content_type:
        return {}
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


cli = cloud_command(
    "aliyun",
    "Alibaba Cloud SMS (Dysmsapi)",
    port=18081,
    account_flag="--access-key-id",
    account_default="LTAIhisms",
    build=lambda config, hooks, signs, registered, **kw: AliyunSimulator(
        config, hooks, signs=signs, registered=registered or None, **kw
    ),
    options=[
        click.Option(
            ["--sign", "signs"], multiple=True, default=["hisms"], help="registered sign names"
        ),
        click.Option(
            ["--template", "registered"],
            multiple=True,
            help="CODE=TEXT with ${var}s (default SMS_TEXT=${content})",
        ),
    ],
)
