"""Readable texts for SMGP 3.0 result codes (spec 6.2.6), and which mean "slow down"."""

from __future__ import annotations

STATUS = {
    0: "ok",
    1: "system busy (flow control)",
    2: "too many connections",
    10: "message structure error",
    11: "command id error",
    12: "duplicate sequence id",
    20: "IP address error",
    21: "authentication error (wrong client id or shared secret?)",
    22: "version too high",
    30: "illegal MsgType",
    31: "illegal Priority",
    32: "illegal FeeType",
    33: "illegal FeeCode",
    34: "illegal MsgFormat",
    35: "illegal time format",
    36: "illegal MsgLength",
    37: "validity period expired",
    39: "routing error",
    43: "illegal ServiceId",
    44: "illegal ValidTime",
    45: "illegal AtTime",
    46: "illegal SrcTermID",
    47: "illegal DestTermID",
    48: "illegal ChargeTermID",
    49: "illegal SP service code",
    58: "no matching route",
    69: "illegal SP id",
    73: "illegal MServiceID",
    74: "SP sending not allowed at this time",
    75: "SP daily quota exceeded",
    76: "SP account expired",
}

# 1 (系统忙) is the gateway's flow control; resubmitting later, slower, succeeds.
THROTTLING = frozenset({1})
STRUCTURE_ERROR = 10


def status_text(status: int) -> str:
    kind = "gateway vendor" if 128 <= status <= 255 else "other"
    return STATUS.get(status, f"{kind} error {status}")
