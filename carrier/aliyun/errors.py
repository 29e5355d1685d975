"""Dysmsapi's answer codes and what they mean (the provider's SendSms error code list).

Business codes (``isv.*``) come in a 200 answer's ``Code``; gateway codes
(``Throttling.User``, ``SignatureDoesNotMatch``...) in a 4xx/5xx answer, which the SDK
raises as ``ClientException``/``ServerException`` with the same ``code``.
"""

from __future__ import annotations

from hisms.carrier.cloud.verdict import Kind, Table

OK = "OK"
BUSINESS_LIMIT = "isv.BUSINESS_LIMIT_CONTROL"
THROTTLING_USER = "Throttling.User"
SIGNATURE_MISMATCH = "SignatureDoesNotMatch"
UNKNOWN_ACCESS_KEY = "InvalidAccessKeyId.NotFound"
NONCE_USED = "SignatureNonceUsed"
TIME_EXPIRED = "InvalidTimeStamp.Expired"
MOBILE_ILLEGAL = "isv.MOBILE_NUMBER_ILLEGAL"
MOBILE_COUNT = "isv.MOBILE_COUNT_OVER_LIMIT"
TEMPLATE_ILLEGAL = "isv.SMS_TEMPLATE_ILLEGAL"
SIGNATURE_ILLEGAL = "isv.SMS_SIGNATURE_ILLEGAL"
MISSING_PARAMS = "isv.TEMPLATE_MISSING_PARAMETERS"
INVALID_JSON = "isv.INVALID_JSON_PARAM"
INVALID_PARAMETERS = "isv.INVALID_PARAMETERS"
BLACK_KEY = "isv.BLACK_KEY_CONTROL_LIMIT"
UNKNOWN_ACTION = "InvalidAction.NotFound"
MISSING_PARAMETER = "MissingParameter"

TABLE = Table(
    exact={
        OK: Kind.OK,
        BUSINESS_LIMIT: Kind.THROTTLE,
        THROTTLING_USER: Kind.THROTTLE,
        "Throttling": Kind.THROTTLE,
        "isv.DAY_LIMIT_CONTROL": Kind.THROTTLE,
        NONCE_USED: Kind.TRANSIENT,
        SIGNATURE_MISMATCH: Kind.AUTH,
        "IncompleteSignature": Kind.AUTH,
        UNKNOWN_ACCESS_KEY: Kind.AUTH,
        "InvalidAccessKeyId.Inactive": Kind.AUTH,
        TIME_EXPIRED: Kind.AUTH,  # our clock is off: every request would fail alike
        "isv.AMOUNT_NOT_ENOUGH": Kind.AUTH,
        "isv.OUT_OF_SERVICE": Kind.AUTH,
        "isv.ACCOUNT_NOT_EXISTS": Kind.AUTH,
        "isv.ACCOUNT_ABNORMAL": Kind.AUTH,
        "isv.PRODUCT_UN_SUBSCRIPT": Kind.AUTH,
        "isv.PRODUCT_UNSUBSCRIBE": Kind.AUTH,
        "isv.RAM_PERMISSION_DENY": Kind.AUTH,
        "isp.RAM_PERMISSION_DENY": Kind.AUTH,
        "isp.SYSTEM_ERROR": Kind.TRANSIENT,
    },
    prefixes=(
        ("isv.", Kind.REFUSED),  # the message's own fault: number, template, sign, content
        ("Forbidden", Kind.AUTH),
        ("InvalidAccessKeyId", Kind.AUTH),
        ("Throttling", Kind.THROTTLE),
        ("isp.", Kind.TRANSIENT),
    ),
)
