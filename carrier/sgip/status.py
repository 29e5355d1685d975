"""Readable texts for SGIP 1.2 result and error codes (spec table 5-2)."""

from __future__ import annotations

RESULTS = {
    0: "ok",
    1: "illegal login (wrong login name or password)",
    2: "repeated login",
    3: "too many connections",
    4: "wrong login type",
    5: "parameter format error",
    6: "illegal mobile number (missing 86?)",
    7: "message id error",
    8: "message length error",
    9: "illegal sequence number",
    10: "illegal GNS operation",
    11: "node busy",
    21: "destination unreachable",
    22: "routing error",
    23: "no such route",
    24: "invalid charge number",
    25: "user cannot be reached",
    26: "handset memory full",
    27: "handset does not support SMS",
    28: "handset error receiving the message",
    29: "unknown user",
    30: "function not provided",
    31: "illegal device",
    32: "system failure",
    33: "SMSC queue full",
}

# The node or the SMSC behind it is full for now: resubmit later, slower.
THROTTLING = frozenset({11, 33})
ILLEGAL_LOGIN = 1
WRONG_LOGIN_TYPE = 4
PARAMETER_ERROR = 5


def result_text(result: int) -> str:
    return RESULTS.get(result, f"other error {result}")
