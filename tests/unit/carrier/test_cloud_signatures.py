"""The simulators' signature checks agree with what the official SDKs compute."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace

from alibabacloud_tea_openapi.utils import Utils
from tencentcloud.common import credential
from tencentcloud.sms.v20210111.sms_client import SmsClient

from hisms.carrier.aliyun import signature as aliyun
from hisms.carrier.tencent import signature as tencent

AK, SECRET = "LTAItest", "s3cret"


def _aliyun_request() -> tuple[SimpleNamespace, str]:
    body = b""
    payload = hashlib.sha256(body).hexdigest()
    headers = {
        "host": "127.0.0.1:18081",
        "x-acs-action": "SendSms",
        "x-acs-version": "2017-05-25",
        "x-acs-date": "2026-11-30T03:00:00Z",
        "x-acs-signature-nonce": "abc",
        "x-acs-content-sha256": payload,
        "accept": "application/json",
    }
    query = {"PhoneNumbers": "13800138000", "TemplateParam": json.dumps({"n": "张三 & 1"})}
    request = SimpleNamespace(pathname="/", query=query, headers=headers, method="POST")
    request.headers["Authorization"] = Utils.get_authorization(
        request, aliyun.ALGORITHM, payload, AK, SECRET
    )
    return request, payload


def _aliyun_problem(request: SimpleNamespace, secret: str = SECRET) -> str | None:
    auth = aliyun.parse(request.headers["Authorization"])
    assert auth is not None and auth.access_key_id == AK
    headers = {k.lower(): v for k, v in request.headers.items()}
    return aliyun.problem(auth, secret, "POST", "/", request.query, headers, b"")


def test_aliyun_v3_signature_of_the_sdk_verifies() -> None:
    request, _ = _aliyun_request()
    assert _aliyun_problem(request) is None


def test_aliyun_wrong_secret_or_altered_request_is_refused() -> None:
    request, _ = _aliyun_request()
    assert _aliyun_problem(request, "other") == "the signature does not match the request"
    request.query["PhoneNumbers"] = "13900139000"
    assert _aliyun_problem(request) == "the signature does not match the request"


def test_aliyun_body_hash_and_signed_headers_are_checked() -> None:
    request, _ = _aliyun_request()
    auth = aliyun.parse(request.headers["Authorization"])
    assert auth is not None
    headers = {k.lower(): v for k, v in request.headers.items()}
    wrong = aliyun.problem(auth, SECRET, "POST", "/", request.query, headers, b"x=1")
    assert wrong == "x-acs-content-sha256 is not the body's SHA-256"
    fewer = aliyun.Authorization(auth.algorithm, AK, ("host",), auth.signature)
    assert "must be signed" in str(aliyun.problem(fewer, SECRET, "POST", "/", {}, headers, b""))
    assert aliyun.parse("Basic abc") is None


def _tencent_request(secret: str) -> tuple[dict[str, str], bytes, int]:
    client = SmsClient(credential.Credential("AKIDtest", secret), "ap-guangzhou")
    body = json.dumps({"PhoneNumberSet": ["+8613800138000"], "SignName": "医院"}).encode()
    timestamp = 1_764_471_600
    req = SimpleNamespace(
        uri="/",
        method="POST",
        data=body.decode(),
        header={"Content-Type": "application/json", "Host": "127.0.0.1:18082"},
    )
    req.header["X-TC-Timestamp"] = str(timestamp)
    date = "2025-11-30"
    sig = client._get_tc3_signature({}, req, date, "sms", secret)
    headers = {
        "content-type": "application/json",
        "host": "127.0.0.1:18082",
        "authorization": f"TC3-HMAC-SHA256 Credential=AKIDtest/{date}/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={sig}",
    }
    return headers, body, timestamp


def _tencent_problem(headers: dict[str, str], body: bytes, stamp: int, secret: str) -> str | None:
    auth = tencent.parse(headers["authorization"])
    assert auth is not None and auth.secret_id == "AKIDtest" and auth.service == "sms"
    return tencent.problem(auth, secret, stamp, "POST", "/", "", headers, body)


def test_tencent_tc3_signature_of_the_sdk_verifies() -> None:
    headers, body, stamp = _tencent_request(SECRET)
    assert _tencent_problem(headers, body, stamp, SECRET) is None


def test_tencent_wrong_secret_altered_body_or_other_day_is_refused() -> None:
    headers, body, stamp = _tencent_request(SECRET)
    assert _tencent_problem(headers, body, stamp, "other") == "the signature does not match"
    assert _tencent_problem(headers, body + b" ", stamp, SECRET) == "the signature does not match"
    later = stamp + 86_400
    assert "date" in str(_tencent_problem(headers, body, later, SECRET))
    assert tencent.parse("TC3-HMAC-SHA256 nonsense") is None
