"""Dysmsapi's answer codes and what they mean (the provider's SendSms error code list).

Business codes (``isv.*``) come in a 200 answer's ``Code``; gateway codes
(``Throttling.User``, ``SignatureDoesNotMatch``...) in a 4xx/5xx answer, which the SDK
raises as ``ClientException``/``ServerException`` with the same ``code``.
"""

from __future__ import annotations

from hisms.carrier.httpapi.answers import Verdict, classify

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

# The rest of a code's family by its prefix (``isv.*``); a code nowhere here is REJECTED.
TABLE: dict[str, Verdict] = {
    BUSINESS_LIMIT: Verdict.THROTTLED,
    THROTTLING_USER: Verdict.THROTTLED,
    "Throttling*": Verdict.THROTTLED,
    "isv.DAY_LIMIT_CONTROL": Verdict.THROTTLED,
    NONCE_USED: Verdict.RETRY,
    "isp.*": Verdict.RETRY,  # the provider's own trouble
    "InternalError*": Verdict.RETRY,
    "ServiceUnavailable*": Verdict.RETRY,
    SIGNATURE_MISMATCH: Verdict.AUTH,
    "IncompleteSignature": Verdict.AUTH,
    "InvalidAccessKeyId*": Verdict.AUTH,
    TIME_EXPIRED: Verdict.AUTH,  # our clock is off: every request would fail alike
    "Forbidden*": Verdict.AUTH,
    "isv.AMOUNT_NOT_ENOUGH": Verdict.AUTH,  # the account, not the message: channel DOWN
    "isv.OUT_OF_SERVICE": Verdict.AUTH,
    "isv.ACCOUNT_NOT_EXISTS": Verdict.AUTH,
    "isv.ACCOUNT_ABNORMAL": Verdict.AUTH,
    "isv.PRODUCT_UN_SUBSCRIPT": Verdict.AUTH,
    "isv.PRODUCT_UNSUBSCRIBE": Verdict.AUTH,
    "isv.RAM_PERMISSION_DENY": Verdict.AUTH,
    "isp.RAM_PERMISSION_DENY": Verdict.AUTH,
    "isv.*": Verdict.REJECTED,  # the message's own fault: number, template, sign, content
}


def verdict(code: str) -> Verdict:
    return classify(code, TABLE, frozenset({OK}))
