"""The options every HTTP carrier shares: its provider's own model extends :class:`HttpSettings`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hisms.carrier.session.options import Check, Flag, Integer, Rate, Seconds, Text, problem

Timer = Annotated[float, Seconds()]


class Secret(Check):
    """Text kept as a SecretStr: never in a repr, a log or an error message."""

    def __call__(self, value: Any) -> Any:
        if isinstance(value, SecretStr):
            return value
        if not isinstance(value, str):
            raise problem("must be text (set it from the environment)")
        return value

    def describe(self) -> str:
        return "text, from the environment"


class HttpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, Text(256)] = Field(
        "", description="the account or access key id the provider gave"
    )
    secret: Annotated[SecretStr, Secret()] = Field(
        SecretStr(""),
        description="the account's secret (HISMS_CHANNELS__<NAME>__SECRET, never in the file)",
    )
    rate: Annotated[float | None, Rate()] = Field(
        None, description="requests per second for the whole channel, shared by the engines"
    )
    connections: Annotated[int, Integer(1, 256)] = Field(
        4, description="requests in flight at once for the whole channel, shared by the engines"
    )
    timeout_seconds: Timer = Field(
        10.0, description="for one request's answer; a request without one is a RETRY"
    )
    connect_timeout_seconds: Timer = Field(5.0, description="for the TCP and TLS connect")
    verify_tls: Annotated[bool, Flag()] = Field(
        True, description="check the provider's certificate (turn off only for a test endpoint)"
    )
    ca_file: Annotated[str, Text(1000)] = Field(
        "", description="a PEM bundle to verify the provider with instead of the system's"
    )
    max_throttles: Annotated[int, Integer(0, 100)] = Field(
        3, description="throttled answers to one request, each after a longer wait, before RETRY"
    )
    throttle_wait_seconds: Timer = Field(
        1.0, description="the wait after the first throttled answer (doubling after each)"
    )
    down_min_seconds: Timer = Field(
        30.0, description="the channel stays DOWN this long after the provider refused our key"
    )
    down_max_seconds: Timer = Field(
        600.0, description="the longest DOWN after refusals in a row (each doubles the wait)"
    )
    callback_token: Annotated[SecretStr, Secret()] = Field(
        SecretStr(""),
        description="if set, a push must carry ?token=<this> in its URL (from the environment)",
    )
    callback_store_seconds: Timer = Field(
        10.0, description="a push is answered once stored; not stored by then: an error answer"
    )
    poll_reports: Annotated[bool, Flag()] = Field(
        True, description="poll the provider for the reports no push brought"
    )
    report_wait_seconds: Timer = Field(
        60.0, description="a part without a pushed report this long after submission is polled"
    )
    poll_every_seconds: Timer = Field(
        10.0, description="how often the parts due are polled (and polled again)"
    )
    poll_for_seconds: Timer = Field(
        86400.0, description="a part is polled no longer than this after its submission"
    )
    drain_seconds: Timer = Field(5.0, description="on stop: how long to wait for requests")
