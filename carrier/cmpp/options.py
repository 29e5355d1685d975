"""Validating a CMPP channel's options into CmppOptions and SessionSettings.

Every problem is a :class:`CarrierError` naming the channel and the option, so
a typo in ``hisms.toml`` fails at start-up with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hisms.carrier.cmpp.pdus import V20, V30
from hisms.carrier.session.settings import (
    SESSION_OPTIONS,
    OptionChecker,
    SessionSettings,
    session_settings,
)

VERSIONS = {"2.0": V20, "2": V20, "3.0": V30, "3": V30}

_KNOWN = {
    *SESSION_OPTIONS,
    *("version", "source_addr", "secret", "service_id", "src_number"),
    *("fee_user_type", "fee_terminal_id", "fee_type", "fee_code", "verify_server_auth"),
}


@dataclass(frozen=True, slots=True)
class CmppOptions:
    version: int
    source_addr: str  # SP_Id (企业代码)
    secret: str
    src_number: str  # service number (服务代码), e.g. 10690123
    service_id: str = ""
    fee_user_type: int = 2  # the SP pays
    fee_terminal_id: str = ""
    fee_type: str = "01"  # free for the handset
    fee_code: str = "000000"
    verify_server_auth: bool = False

    def __repr__(self) -> str:  # never print the secret
        return f"CmppOptions(version=0x{self.version:02x}, source_addr={self.source_addr!r})"


def parse(name: str, options: dict[str, Any]) -> tuple[CmppOptions, SessionSettings]:
    check = OptionChecker(name, options)
    check.only(_KNOWN)
    version = VERSIONS.get(str(check.required("version", "3.0")))
    if version is None:
        raise check.error("version", 'must be "2.0" or "3.0"')
    cmpp = CmppOptions(
        version=version,
        source_addr=check.text("source_addr", 6, required=True),
        secret=check.text("secret", 64, required=True, ascii_only=False),
        src_number=check.text("src_number", 21, required=True, digits=True),
        service_id=check.text("service_id", 10),
        fee_user_type=check.integer("fee_user_type", 2, 0, 3),
        fee_terminal_id=check.text("fee_terminal_id", 21),
        fee_type=check.text("fee_type", 2, default="01"),
        fee_code=check.text("fee_code", 6, default="000000"),
        verify_server_auth=check.boolean("verify_server_auth", False),
    )
    return cmpp, session_settings(check)
