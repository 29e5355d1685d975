"""A CMPP channel's options: the shared session settings plus CMPP's own (pydantic).

Read with :func:`parse`; every problem is a :class:`CarrierError` naming the
channel and the option. The table in ``docs/carrier-options.md`` is generated
from these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from hisms.carrier.cmpp.pdus import V20, V30
from hisms.carrier.session.options import Choice, Flag, Integer, Text, read
from hisms.carrier.session.settings import ReportClock, SessionSettings

VERSIONS = {"3.0": V30, "3": V30, "2.0": V20, "2": V20}


class CmppOptions(SessionSettings, ReportClock):
    version: Annotated[int, Choice(VERSIONS, 'must be "2.0" or "3.0"')] = Field(
        V30, description="the protocol version the gateway speaks"
    )
    source_addr: Annotated[str, Text(6, required=True)] = Field(
        description="SP_Id (企业代码), the login account"
    )
    secret: Annotated[str, Text(64, required=True, ascii_only=False)] = Field(
        repr=False, description="the shared secret of the login (never logged)"
    )
    src_number: Annotated[str, Text(21, required=True, digits=True)] = Field(
        description="the service number (服务代码, Src_Id); a part's extension is appended"
        " to it so MO replies route back"
    )
    service_id: Annotated[str, Text(10)] = Field("", description="Service_Id")
    fee_user_type: Annotated[int, Integer(0, 3)] = Field(2, description="2: the SP pays")
    fee_terminal_id: Annotated[str, Text(21)] = Field("", description="Fee_terminal_Id")
    fee_type: Annotated[str, Text(2)] = Field("01", description="FeeType; 01: free for the user")
    fee_code: Annotated[str, Text(6)] = Field("000000", description="FeeCode")
    verify_server_auth: Annotated[bool, Flag()] = Field(
        False,
        description="check AuthenticatorISMG; a mismatch is logged as a warning, never refused",
    )


def parse(name: str, options: Mapping[str, Any]) -> CmppOptions:
    return read(CmppOptions, name, options)
