"""Names and readable texts for SMPP 3.4 command_status values (spec 5.1.3)."""

from __future__ import annotations

from hisms.carrier.smpp.pdus import Status

# Flow control: slow down and submit again later, not a failure of the message.
THROTTLING = frozenset({Status.RTHROTTLED, Status.RMSGQFUL})

NAMES: dict[int, tuple[str, str]] = {
    0x00: ("ESME_ROK", "ok"),
    0x01: ("ESME_RINVMSGLEN", "message length is invalid"),
    0x02: ("ESME_RINVCMDLEN", "command length is invalid"),
    0x03: ("ESME_RINVCMDID", "invalid command id"),
    0x04: ("ESME_RINVBNDSTS", "incorrect bind status for the command"),
    0x05: ("ESME_RALYBND", "already bound"),
    0x06: ("ESME_RINVPRTFLG", "invalid priority flag"),
    0x07: ("ESME_RINVREGDLVFLG", "invalid registered delivery flag"),
    0x08: ("ESME_RSYSERR", "system error"),
    0x0A: ("ESME_RINVSRCADR", "invalid source address"),
    0x0B: ("ESME_RINVDSTADR", "invalid destination address"),
    0x0C: ("ESME_RINVMSGID", "message id is invalid"),
    0x0D: ("ESME_RBINDFAIL", "bind failed"),
    0x0E: ("ESME_RINVPASWD", "invalid password"),
    0x0F: ("ESME_RINVSYSID", "invalid system_id"),
    0x14: ("ESME_RMSGQFUL", "message queue full"),
    0x15: ("ESME_RINVSERTYP", "invalid service type"),
    0x33: ("ESME_RINVNUMDESTS", "invalid number of destinations"),
    0x40: ("ESME_RINVESMCLASS", "invalid esm_class"),
    0x45: ("ESME_RSUBMITFAIL", "submit_sm failed"),
    0x48: ("ESME_RINVSRCTON", "invalid source address TON"),
    0x49: ("ESME_RINVSRCNPI", "invalid source address NPI"),
    0x50: ("ESME_RINVDSTTON", "invalid destination address TON"),
    0x51: ("ESME_RINVDSTNPI", "invalid destination address NPI"),
    0x53: ("ESME_RINVSYSTYP", "invalid system_type"),
    0x58: ("ESME_RTHROTTLED", "throttling error (exceeded the allowed message limits)"),
    0x61: ("ESME_RINVSCHED", "invalid scheduled delivery time"),
    0x62: ("ESME_RINVEXPIRY", "invalid validity period"),
    0x63: ("ESME_RINVDFTMSGID", "predefined message invalid or not found"),
    0x64: ("ESME_RX_T_APPN", "ESME receiver temporary app error"),
    0x65: ("ESME_RX_P_APPN", "ESME receiver permanent app error"),
    0x66: ("ESME_RX_R_APPN", "ESME receiver reject message error"),
    0xC0: ("ESME_RINVOPTPARSTREAM", "error in the optional part of the PDU body"),
    0xC1: ("ESME_ROPTPARNOTALLWD", "optional parameter not allowed"),
    0xC2: ("ESME_RINVPARLEN", "invalid parameter length"),
    0xC3: ("ESME_RMISSINGOPTPARAM", "expected optional parameter missing"),
    0xC4: ("ESME_RINVOPTPARAMVAL", "invalid optional parameter value"),
    0xFE: ("ESME_RDELIVERYFAILURE", "delivery failure"),
    0xFF: ("ESME_RUNKNOWNERR", "unknown error"),
}

RX_P_APPN = 0x65  # our answer to a deliver_sm we cannot read: permanent, do not resend


def status_code(status: int) -> str:
    """The stored error code: the status in hex, as SMSC documentation lists them."""
    return f"0x{status:08X}"


def status_text(status: int) -> str:
    """``ESME_RINVPASWD (invalid password)``; vendor codes are named as such."""
    if status in NAMES:
        name, meaning = NAMES[status]
        return f"{name} ({meaning})"
    if 0x400 <= status <= 0x4FF:
        return f"SMSC vendor-specific error 0x{status:X}"
    return f"reserved or unknown status 0x{status:X}"
