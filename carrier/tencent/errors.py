"""Tencent Cloud SMS (2021-01-11) answer codes and what they mean.

A request-level error comes as ``Response.Error.Code`` (the SDK raises
``TencentCloudSDKException`` with it); each number of a SendSms has its own ``Code`` in
``SendStatusSet`` (``Ok`` when sent).
"""

from __future__ import annotations

from hisms.carrier.cloud.verdict import Kind, Table

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

TABLE = Table(
    exact={
        OK: Kind.OK,
        NUMBER_COUNT_LIMIT: Kind.REFUSED,  # our request's fault, not flow control
        REQUEST_LIMIT: Kind.THROTTLE,
        APP_ID_UNKNOWN: Kind.AUTH,  # the channel's SmsSdkAppId: every message alike
        "FailedOperation.InsufficientBalanceInSmsPackage": Kind.AUTH,
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail": Kind.AUTH,
        "UnauthorizedOperation.SerivceSuspendDueToArrears": Kind.AUTH,
    },
    prefixes=(
        ("LimitExceeded.", Kind.THROTTLE),
        ("RequestLimitExceeded", Kind.THROTTLE),
        ("AuthFailure", Kind.AUTH),
        ("UnauthorizedOperation", Kind.AUTH),
        ("FailedOperation.", Kind.REFUSED),
        ("InvalidParameter", Kind.REFUSED),
        ("MissingParameter", Kind.REFUSED),
        ("UnsupportedOperation", Kind.REFUSED),
        ("InternalError", Kind.TRANSIENT),
    ),
)
