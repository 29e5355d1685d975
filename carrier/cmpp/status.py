"""Readable texts for CMPP status and result codes (spec 8.4.1.2, 8.4.3.2)."""

from __future__ import annotations

CONNECT_STATUS = {
    0: "ok",
    1: "message structure error",
    2: "illegal source address (SP_Id)",
    3: "authenticator error (wrong shared secret?)",
    4: "version too high",
}

SUBMIT_RESULTS = {
    0: "ok",
    1: "message structure error",
    2: "command id error",
    3: "duplicate sequence id",
    4: "message length error",
    5: "fee code error",
    6: "message too long",
    7: "service id error",
    8: "flow control (throttled)",
    9: "this gateway does not serve the fee number",
    10: "Src_Id error",
    11: "Msg_src error",
    12: "Fee_terminal_Id error",
    13: "Dest_terminal_Id error",
}

FLOW_CONTROL = 8


def connect_status_text(status: int) -> str:
    return CONNECT_STATUS.get(status, f"other error {status}")


def submit_result_text(result: int) -> str:
    kind = "gateway vendor" if 100 <= result <= 199 else "other"
    return SUBMIT_RESULTS.get(result, f"{kind} error {result}")
