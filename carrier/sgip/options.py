"""Validating an SGIP channel's options into SgipOptions and SessionSettings.

Every problem is a :class:`CarrierError` naming the channel and the option.
SGIP has no heartbeat: ``idle_seconds`` (default 60) replaces the session's
``heartbeat_seconds``; a link idle that long is logged out (UNBIND) and
reopened when the next part is queued.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hisms.carrier.session.settings import (
    SESSION_OPTIONS,
    OptionChecker,
    SessionSettings,
    session_settings,
)
from hisms.carrier.sgip.pdus import SP_PAYS

_KNOWN = {
    *(SESSION_OPTIONS - {"heartbeat_seconds"}),
    *("node_id", "login_name", "login_password", "src_number", "corp_id", "service_type"),
    *("fee_type", "fee_value", "charge_number", "idle_seconds"),
    *("listen_host", "listen_port", "smg_login_name", "smg_login_password"),
}


@dataclass(frozen=True, slots=True)
class SgipOptions:
    node_id: int  # our SP node number (3AAAAQQQQQ), the first part of every sequence
    login_name: str  # what we BIND to the SMG with (login type 1)
    login_password: str
    src_number: str  # SPNumber (SP 接入号); a submission's extension is appended
    corp_id: str = ""
    service_type: str = ""
    fee_type: int = 1  # free for the user
    fee_value: str = "0"
    charge_number: str = SP_PAYS
    listen_host: str = "0.0.0.0"
    listen_port: int = 8801  # where the SMG binds (login type 2) to deliver and report
    smg_login_name: str = ""  # what the SMG must BIND with
    smg_login_password: str = ""

    def __repr__(self) -> str:  # never print the passwords
        return (
            f"SgipOptions(node_id={self.node_id}, login_name={self.login_name!r}, "
            f"listen={self.listen_host}:{self.listen_port})"
        )


def parse(name: str, options: dict[str, Any]) -> tuple[SgipOptions, SessionSettings]:
    check = OptionChecker(name, options)
    check.only(_KNOWN)
    login_name = check.text("login_name", 16, required=True)
    login_password = check.text("login_password", 16, required=True)
    sgip = SgipOptions(
        node_id=check.integer("node_id", None, 0, 0xFFFFFFFF),
        login_name=login_name,
        login_password=login_password,
        src_number=check.text("src_number", 21, required=True, digits=True),
        corp_id=check.text("corp_id", 5),
        service_type=check.text("service_type", 10),
        fee_type=check.integer("fee_type", 1, 0, 4),
        fee_value=check.text("fee_value", 6, default="0", digits=True),
        charge_number=check.text("charge_number", 21, default=SP_PAYS, digits=True),
        listen_host=check.text("listen_host", 255, default="0.0.0.0"),
        listen_port=check.integer("listen_port", 8801, 0, 65535),
        smg_login_name=check.text("smg_login_name", 16, default=login_name),
        smg_login_password=check.text("smg_login_password", 16, default=login_password),
    )
    idle = check.positive("idle_seconds", 60.0)
    return sgip, dataclasses.replace(session_settings(check), heartbeat_seconds=idle)
