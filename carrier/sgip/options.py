"""An SGIP channel's options: the shared session settings plus SGIP's own (pydantic).

SGIP has no heartbeat: ``idle_seconds`` takes the place of ``heartbeat_seconds``;
a link idle that long is logged out (UNBIND) and reopened when the next part
is queued. Read with :func:`parse`; every problem is a :class:`CarrierError`
naming the channel and the option. The table in ``docs/carrier-options.md``
is generated from these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, model_validator

from hisms.carrier.session.options import Integer, Text, read
from hisms.carrier.session.settings import SessionSettings, Timer
from hisms.carrier.sgip.pdus import SP_PAYS


class SgipOptions(SessionSettings):
    heartbeat_seconds: Timer = Field(
        60.0,
        alias="idle_seconds",
        description="a link idle this long is logged out and reopened on demand",
    )
    node_id: Annotated[int, Integer(0, 0xFFFFFFFF)] = Field(
        description="our SP node number (3AAAAQQQQQ), the first part of every sequence"
    )
    login_name: Annotated[str, Text(16, required=True)] = Field(
        description="what we BIND to the SMG with (login type 1)"
    )
    login_password: Annotated[str, Text(16, required=True)] = Field(
        repr=False, description="(never logged)"
    )
    src_number: Annotated[str, Text(21, required=True, digits=True)] = Field(
        description="SPNumber (SP 接入号); a part's extension is appended to it so MO"
        " replies route back"
    )
    corp_id: Annotated[str, Text(5)] = Field("", description="CorpId (企业代码)")
    service_type: Annotated[str, Text(10)] = Field("", description="ServiceType")
    fee_type: Annotated[int, Integer(0, 4)] = Field(1, description="FeeType; 1: free for the user")
    fee_value: Annotated[str, Text(6, digits=True)] = Field("0", description="FeeValue")
    charge_number: Annotated[str, Text(21, digits=True)] = Field(
        SP_PAYS, description="ChargeNumber; 21 zeros: the SP pays"
    )
    listen_host: Annotated[str, Text(255)] = Field(
        "0.0.0.0", description="where our listener for the SMG's own link binds"
    )
    listen_port: Annotated[int, Integer(0, 65535)] = Field(
        8801, description="where the SMG binds (login type 2) to deliver and report; 0: any"
    )
    smg_login_name: Annotated[str, Text(16)] = Field(
        "", description="what the SMG must BIND with; default: login_name"
    )
    smg_login_password: Annotated[str, Text(16)] = Field(
        "", repr=False, description="default: login_password"
    )

    @model_validator(mode="before")
    @classmethod
    def _smg_login_defaults_to_ours(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for ours, smg in (
                ("login_name", "smg_login_name"),
                ("login_password", "smg_login_password"),
            ):
                if ours in data and smg not in data:
                    data = {**data, smg: data[ours]}
        return data


def parse(name: str, options: Mapping[str, Any]) -> SgipOptions:
    return read(SgipOptions, name, options)
