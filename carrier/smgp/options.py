"""An SMGP channel's options: the shared session settings plus SMGP's own (pydantic).

Read with :func:`parse`; every problem is a :class:`CarrierError` naming the
channel and the option. The table in ``docs/carrier-options.md`` is generated
from these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from hisms.carrier.session.options import Choice, Flag, Text, read
from hisms.carrier.session.settings import ReportClock, SessionSettings
from hisms.carrier.smgp.pdus import LoginMode

LOGIN_MODES = {"transmit": LoginMode.TRANSMIT, "send": LoginMode.SEND}


class SmgpOptions(SessionSettings, ReportClock):
    client_id: Annotated[str, Text(8, required=True)] = Field(
        description="ClientID (登录账号), the login account"
    )
    secret: Annotated[str, Text(64, required=True)] = Field(
        repr=False, description="the shared secret of the login (never logged)"
    )
    src_number: Annotated[str, Text(21, required=True, digits=True)] = Field(
        description="SrcTermID: 118 + the SP service code; a part's extension is appended"
        " to it so MO replies route back"
    )
    service_id: Annotated[str, Text(10)] = Field("", description="ServiceID")
    fee_type: Annotated[str, Text(2)] = Field("00", description="FeeType; 00: free for the user")
    fee_code: Annotated[str, Text(6)] = Field("000000", description="FeeCode")
    login_mode: Annotated[int, Choice(LOGIN_MODES, 'must be "transmit" or "send"')] = Field(
        LoginMode.TRANSMIT,
        description="transmit: reports and MO on the submitting link; send: submits only",
    )
    verify_server_auth: Annotated[bool, Flag()] = Field(
        False,
        description="check AuthenticatorServer; a mismatch is logged as a warning, never refused",
    )


def parse(name: str, options: Mapping[str, Any]) -> SmgpOptions:
    return read(SmgpOptions, name, options)
