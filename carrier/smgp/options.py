"""Validating an SMGP channel's options into SmgpOptions and SessionSettings.

Every problem is a :class:`CarrierError` naming the channel and the option;
the shared session tunables are checked as for every protocol
(:func:`hisms.carrier.session.settings.session_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hisms.carrier.session.settings import (
    SESSION_OPTIONS,
    OptionChecker,
    SessionSettings,
    session_settings,
)
from hisms.carrier.smgp.pdus import LoginMode

_KNOWN = {
    *SESSION_OPTIONS,
    *("client_id", "secret", "src_number", "service_id", "fee_type", "fee_code"),
    *("login_mode", "verify_server_auth"),
}
_LOGIN_MODES = {"transmit": LoginMode.TRANSMIT, "send": LoginMode.SEND}


@dataclass(frozen=True, slots=True)
class SmgpOptions:
    client_id: str  # ClientID (登录账号), at most 8 characters
    secret: str
    src_number: str  # SrcTermID: 118 + SP service code, or the SP's access number
    service_id: str = ""
    fee_type: str = "00"  # free for the handset
    fee_code: str = "000000"
    login_mode: int = LoginMode.TRANSMIT  # reports and MO on the submitting link
    verify_server_auth: bool = False

    def __repr__(self) -> str:  # never print the secret
        return f"SmgpOptions(client_id={self.client_id!r}, src_number={self.src_number!r})"


def parse(name: str, options: dict[str, Any]) -> tuple[SmgpOptions, SessionSettings]:
    check = OptionChecker(name, options)
    check.only(_KNOWN)
    mode = _LOGIN_MODES.get(str(options.get("login_mode", "transmit")).lower())
    if mode is None:
        raise check.error("login_mode", 'must be "transmit" or "send"')
    smgp = SmgpOptions(
        client_id=check.text("client_id", 8, required=True),
        secret=check.text("secret", 64, required=True),
        src_number=check.text("src_number", 21, required=True, digits=True),
        service_id=check.text("service_id", 10),
        fee_type=check.text("fee_type", 2, default="00"),
        fee_code=check.text("fee_code", 6, default="000000"),
        login_mode=mode,
        verify_server_auth=check.boolean("verify_server_auth", False),
    )
    return smgp, session_settings(check)
