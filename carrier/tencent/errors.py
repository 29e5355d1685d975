"""Tencent Cloud SMS (2021-01-11) answer codes and what they mean.

A request-level error comes as ``Response.Error.Code`` (the SDK raises
``TencentCloudSDKException`` with it); each number of a SendSms has its own ``Code`` in
``SendStatusSet`` (``Ok`` when sent).
"""

from __future__ import annotations

from hisms.carrier.httpapi.answers import Verdict, classify

OK = "Ok"
THIRTY_SECOND_LIMIT = "LimitExceeded.PhoneNumberThirtySecondLimit"
NUMBER_COUNT_LIMIT = "LimitExceeded.PhoneNumberCountLimit"
REQUEST_LIMIT = "RequestLimitExceeded"
SIGNATURE_FAILURE = "AuthFailure.SignatureFailure"
SECRET_ID_NOT_FOUND = "AuthFailure.SecretIdNotFound"
SIGNATURE_EXPIRE = "AuthFailure.SignatureExpire"
INCORRECT_NUMBER = "InvalidParameterValue.IncorrectPhoneNumber"
BLACKLISTED = "FailedOperation.PhoneNumberInBlacklist"
TEMPLATE_UNAPPROVED = "FailedOperation.TemplateIncorrectOrUnapproved"
SIGN_UNAPPROVED = "FailedOperation.SignatureIncorrectOrUnapproved"
PARAMS_MISMATCH = "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
APP_ID_UNKNOWN = "InvalidParameterValue.SdkAppIdNotExist"
UNKNOWN_ACTION = "InvalidAction"
INVALID_PARAMETER = "InvalidParameter"

# The rest of a code's family by its prefix (``LimitExceeded.*``); a code nowhere here is
# REJECTED (``FailedOperation.*``, ``InvalidParameterValue.*``: the message's own fault).
TABLE: dict[str, Verdict] = {
    NUMBER_COUNT_LIMIT: Verdict.REJECTED,  # our request's fault, not flow control
    "LimitExceeded.*": Verdict.THROTTLED,
    "RequestLimitExceeded*": Verdict.THROTTLED,
    "InternalError*": Verdict.RETRY,
    "ResourceUnavailable*": Verdict.RETRY,
    "ServerNetworkError": Verdict.RETRY,  # the SDK's codes for a transport problem
    "ClientNetworkError": Verdict.RETRY,
    "AuthFailure*": Verdict.AUTH,
    "UnauthorizedOperation*": Verdict.AUTH,
    APP_ID_UNKNOWN: Verdict.AUTH,  # the channel's SmsSdkAppId: every message alike
    "FailedOperation.InsufficientBalanceInSmsPackage": Verdict.AUTH,
}


def verdict(code: str) -> Verdict:
    return classify(code, TABLE, frozenset({OK}))
