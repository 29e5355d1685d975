"""The simulators through the official SDKs: the providers' refusals, codes and shapes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from alibabacloud_dysmsapi20170525 import models as ali
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi
from alibabacloud_tea_openapi.exceptions import ClientException
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as tc
from tencentcloud.sms.v20210111.sms_client_async import SmsClient

from hisms.carrier.aliyun.simulator import AliyunSimulator
from hisms.carrier.cloudsim.sim import Hooks
from hisms.carrier.simulator.config import SimConfig
from hisms.carrier.tencent.simulator import TencentSimulator

from .conftest import APP_ID, KEY, REGISTERED, SECRET, SIGN


def _aliyun(port: int, key: str = KEY, secret: str = SECRET) -> Client:
    config = openapi.Config(
        access_key_id=key,
        access_key_secret=secret,
        endpoint=f"127.0.0.1:{port}",
        protocol="http",
    )
    return Client(config)


def _send(**given: str) -> ali.SendSmsRequest:
    fields = {"phone_numbers": "13800138000", "sign_name": SIGN, "template_code": "SMS_TEXT"}
    fields["template_param"] = json.dumps({"content": "您好"})
    return ali.SendSmsRequest(**{**fields, **given})


def test_aliyun_refusals_batch_and_query() -> None:
    async def scenario() -> None:
        sim = AliyunSimulator(
            SimConfig(KEY, SECRET, report_delay=0.01), Hooks(), signs=[SIGN],
            registered=REGISTERED["aliyun"],
        )  # fmt: skip
        async with sim:
            for key, secret, code, status in (
                ("LTAIother", SECRET, "InvalidAccessKeyId.NotFound", 404),
                (KEY, "wrong", "SignatureDoesNotMatch", 400),
            ):
                with pytest.raises(ClientException) as refused:
                    await _aliyun(sim.port, key, secret).send_sms_async(_send())
                assert (refused.value.code, refused.value.status_code) == (code, status)
            client = _aliyun(sim.port)
            for given, code in (
                ({"sign_name": "别家医院"}, "isv.SMS_SIGNATURE_ILLEGAL"),
                ({"template_code": "SMS_NONE"}, "isv.SMS_TEMPLATE_ILLEGAL"),
                ({"phone_numbers": "1380013"}, "isv.MOBILE_NUMBER_ILLEGAL"),
                ({"template_param": "{"}, "isv.INVALID_JSON_PARAM"),
            ):
                answer = await client.send_sms_async(_send(**given))
                assert answer.body.code == code and answer.body.biz_id is None
            batch = ali.SendBatchSmsRequest(
                phone_number_json=json.dumps(["13800138001", "13800138002"]),
                sign_name_json=json.dumps([SIGN, SIGN]),
                template_code="SMS_FZ",
                template_param_json=json.dumps(
                    [{"patient": "张三", "time": "周五"}, {"patient": "李四", "time": "周六"}]
                ),
            )
            answer = await client.send_batch_sms_async(batch)
            assert answer.body.code == "OK" and answer.body.biz_id
            sim.throttle_for(5)
            codes = [(await client.send_sms_async(_send())).body.code]
            with pytest.raises(ClientException) as throttled:
                await client.send_sms_async(_send())
            codes.append(throttled.value.code)
            assert codes == ["isv.BUSINESS_LIMIT_CONTROL", "Throttling.User"]
            sim.throttle_for(0)
            await asyncio.sleep(0.1)
            query = ali.QuerySendDetailsRequest(
                phone_number="13800138002",
                send_date=sim.now().strftime("%Y%m%d"),
                page_size=10,
                current_page=1,
            )
            found = (await client.query_send_details_async(query)).body
            (detail,) = found.sms_send_detail_dtos.sms_send_detail_dto
            assert (detail.send_status, detail.content) == (3, f"【{SIGN}】李四您好，请于周六复诊")

    asyncio.run(scenario())


def _tencent(port: int, secret: str = SECRET) -> SmsClient:
    http = HttpProfile(protocol="http", endpoint=f"127.0.0.1:{port}")
    return SmsClient(Credential(KEY, secret), "ap-guangzhou", ClientProfile(httpProfile=http))


def _numbers(*numbers: str, template: str = "100000", values: list[str] | None = None) -> Any:
    request = tc.SendSmsRequest()
    request.PhoneNumberSet, request.SmsSdkAppId, request.SignName = list(numbers), APP_ID, SIGN
    request.TemplateId, request.TemplateParamSet = template, values or ["您好"]
    return request


def test_tencent_refusals_limits_and_pulls() -> None:
    async def scenario() -> None:
        sim = TencentSimulator(
            SimConfig(KEY, SECRET, report_delay=0.01), Hooks(), app_id=APP_ID, signs=[SIGN],
            registered=REGISTERED["tencent"],
        )  # fmt: skip
        async with sim:
            wrong = _tencent(sim.port, "wrong")
            with pytest.raises(TencentCloudSDKException) as refused:
                await wrong.SendSms(_numbers("+8613800138000"))
            assert refused.value.code == "AuthFailure.SignatureFailure"
            await wrong.close()
            client = _tencent(sim.port)
            too_many = [f"+86138{i:08d}" for i in range(201)]
            with pytest.raises(TencentCloudSDKException) as refused:
                await client.SendSms(_numbers(*too_many))
            assert refused.value.code == "LimitExceeded.PhoneNumberCountLimit"
            with pytest.raises(TencentCloudSDKException) as refused:
                await client.SendSms(_numbers("+8613800138000", template="200000"))
            assert refused.value.code == "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
            answer = await client.SendSms(_numbers("+8613800138000", "12345"))
            ok, bad = answer.SendStatusSet
            assert (ok.Code, ok.Fee, bad.Code) == (
                "Ok",
                1,
                "InvalidParameterValue.IncorrectPhoneNumber",
            )
            sim.send_mo("13800138000", "好的", "01", SIGN)
            await asyncio.sleep(0.1)
            pull = tc.PullSmsSendStatusRequest()
            pull.Limit, pull.SmsSdkAppId = 10, APP_ID
            (status,) = (await client.PullSmsSendStatus(pull)).PullSmsSendStatusSet
            assert (status.SerialNo, status.ReportStatus) == (ok.SerialNo, "SUCCESS")
            assert (await client.PullSmsSendStatus(pull)).PullSmsSendStatusSet == []  # once
            replies = tc.PullSmsReplyStatusRequest()
            replies.Limit, replies.SmsSdkAppId = 10, APP_ID
            (reply,) = (await client.PullSmsReplyStatus(replies)).PullSmsReplyStatusSet
            assert (reply.ReplyContent, reply.ExtendCode) == ("好的", "01")
            await client.close()

    asyncio.run(scenario())
