"""The cloud providers' pure parts: answer codes as verdicts, pushes read as events."""

from __future__ import annotations

import json

import pytest

from hisms.carrier.aliyun import errors as aliyun_errors
from hisms.carrier.aliyun.provider import AliyunProvider, AliyunSettings
from hisms.carrier.base import DeliveryReport, MoMessage
from hisms.carrier.httpapi.answers import Verdict
from hisms.carrier.httpapi.provider import Push, PushError
from hisms.carrier.tencent import errors as tencent_errors
from hisms.carrier.tencent.provider import TencentProvider, TencentSettings


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("OK", Verdict.ACCEPTED),
        ("isv.BUSINESS_LIMIT_CONTROL", Verdict.THROTTLED),
        ("Throttling.User", Verdict.THROTTLED),
        ("isv.MOBILE_NUMBER_ILLEGAL", Verdict.REJECTED),
        ("isv.SMS_TEMPLATE_ILLEGAL", Verdict.REJECTED),
        ("isv.SOMETHING_NEW", Verdict.REJECTED),
        ("SignatureDoesNotMatch", Verdict.AUTH),
        ("InvalidAccessKeyId.NotFound", Verdict.AUTH),
        ("isv.AMOUNT_NOT_ENOUGH", Verdict.AUTH),
        ("isp.SYSTEM_ERROR", Verdict.RETRY),
        ("ServiceUnavailable", Verdict.RETRY),
    ],
)
def test_aliyun_codes(code: str, verdict: Verdict) -> None:
    assert aliyun_errors.verdict(code) is verdict


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("Ok", Verdict.ACCEPTED),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", Verdict.THROTTLED),
        ("LimitExceeded.DeliveryFrequencyLimit", Verdict.THROTTLED),
        ("RequestLimitExceeded", Verdict.THROTTLED),
        ("LimitExceeded.PhoneNumberCountLimit", Verdict.REJECTED),
        ("InvalidParameterValue.IncorrectPhoneNumber", Verdict.REJECTED),
        ("FailedOperation.PhoneNumberInBlacklist", Verdict.REJECTED),
        ("FailedOperation.TemplateIncorrectOrUnapproved", Verdict.REJECTED),
        ("AuthFailure.SignatureFailure", Verdict.AUTH),
        ("AuthFailure.SecretIdNotFound", Verdict.AUTH),
        ("FailedOperation.InsufficientBalanceInSmsPackage", Verdict.AUTH),
        ("InternalError.Timeout", Verdict.RETRY),
        ("ClientNetworkError", Verdict.RETRY),
    ],
)
def test_tencent_codes(code: str, verdict: Verdict) -> None:
    assert tencent_errors.verdict(code) is verdict


def _push(kind: str, body: object) -> Push:
    return Push(kind, {}, {}, json.dumps(body, ensure_ascii=False).encode())


def test_aliyun_pushes() -> None:
    provider = AliyunProvider("a", AliyunSettings(key="k", secret="s"))
    report, failed = provider.read_push(
        _push(
            "report",
            [
                {"phone_number": "13800138000", "success": True, "err_code": "DELIVERED",
                 "biz_id": "9^0", "report_time": "2026-11-30 11:00:00"},
                {"phone_number": "13800138001", "success": False, "err_code": "MK:0005",
                 "biz_id": "8^0", "report_time": "bad"},
            ],
        )
    )  # fmt: skip
    assert isinstance(report, DeliveryReport) and (report.carrier_msg_id, report.stat) == (
        "9^0",
        "DELIVRD",
    )
    assert report.done_at is not None and report.done_at.utcoffset() is not None
    assert isinstance(failed, DeliveryReport)
    assert (failed.stat, failed.error_code, failed.done_at) == ("MK:0005", "MK:0005", None)
    (mo,) = provider.read_push(
        _push("mo", [{"phone_number": "8613800138000", "content": "1", "dest_code": "01"}])
    )
    assert isinstance(mo, MoMessage) and (mo.phone, mo.content, mo.extension) == (
        "13800138000",
        "1",
        "01",
    )
    for bad in ({"biz_id": "1"}, [{"phone_number": "1"}], "x"):
        with pytest.raises(PushError):
            provider.read_push(_push("report", bad))
    assert provider.push_reply(True).status_code == 200
    assert provider.push_reply(False).status_code == 500


@pytest.mark.parametrize(
    ("given", "billed"),
    [("3", 3), (2, 2), (" 1 ", 1), (None, None), ("", None), ("0", None), ("x", None),
     (True, None), ("40000", None)],
)  # fmt: skip
def test_aliyun_report_push_gives_the_parts_billed(given: object, billed: int | None) -> None:
    """SmsReport's sms_size (a string in the provider's samples) is the report's billed count;
    anything else that is not a count sms_segment.total can hold is no count."""
    provider = AliyunProvider("a", AliyunSettings(key="k", secret="s"))
    item = {"phone_number": "13800138000", "success": True, "biz_id": "9^0", "sms_size": given}
    (report,) = provider.read_push(_push("report", [item]))
    assert isinstance(report, DeliveryReport) and report.billed == billed


def test_aliyun_batch_ids_are_biz_id_and_number() -> None:
    provider = AliyunProvider("a", AliyunSettings(key="k", secret="s", numbers_per_request=100))
    (report,) = provider.read_push(
        _push("report", [{"phone_number": "8613800138000", "success": True, "biz_id": "9^0"}])
    )
    assert isinstance(report, DeliveryReport)
    assert (report.carrier_msg_id, report.phone) == ("9^0:13800138000", "13800138000")
    assert provider.max_numbers == 100


def test_tencent_pushes() -> None:
    provider = TencentProvider("t", TencentSettings(key="k", secret="s"))
    (report,) = provider.read_push(
        _push(
            "report",
            [{"sid": "3369:1", "report_status": "FAIL", "errmsg": "UNDELIV",
              "mobile": "13800138000", "user_receive_time": "2026-11-30 11:00:00"}],
        )
    )  # fmt: skip
    assert isinstance(report, DeliveryReport)
    assert (report.carrier_msg_id, report.stat, report.phone) == (
        "3369:1",
        "UNDELIV",
        "13800138000",
    )
    (mo,) = provider.read_push(_push("mo", {"mobile": "13800138000", "text": "TD", "extend": ""}))
    assert isinstance(mo, MoMessage) and mo.content == "TD"
    with pytest.raises(PushError):
        provider.read_push(_push("report", {"sid": "1"}))
    assert json.loads(provider.push_reply(True).body) == {"result": 0, "errmsg": "OK"}
