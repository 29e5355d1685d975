"""The ``[intake.cmpp]`` and ``[intake.smpp]`` configuration sections.

Each names where to listen, which peers may connect, and the logins: a login is a
source system's account. Its password is best kept out of the file: ``password_env`` names
the environment variable that holds it (read when the configuration loads; never logged).
``HISMS_INTAKE__SMPP__ACCOUNTS__<LOGIN>__PASSWORD`` works too (the login keeps its case).
"""

from __future__ import annotations

import ipaddress
import os

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntakeAccount(_Section):
    """One login (CMPP Source_Addr / SMPP system_id) and the source system it sends for."""

    password: SecretStr = SecretStr("")
    password_env: str = ""  # the environment variable holding the password, if set
    source_system: str = Field(min_length=1, max_length=32)
    rate: float | None = Field(None, gt=0)  # submits per second over all its links; None: any
    max_links: int = Field(4, ge=1)  # connections at once

    @model_validator(mode="after")
    def _password(self) -> IntakeAccount:
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ValueError(f"password_env: {self.password_env} is not set")
            self.password = SecretStr(value)
        if not self.password.get_secret_value():
            raise ValueError("give password_env (or password)")
        return self


class ListenerConfig(_Section):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535)
    allow_ips: list[str] = []  # addresses or networks (10.0.0.0/8); empty = any
    # Unanswered submits per link: past it the server stops reading until answers go out.
    window: int = Field(16, ge=1, le=1024)
    # DELIVERs / deliver_sm (reports, MO) sent on one link and not answered yet.
    deliver_window: int = Field(16, ge=1, le=1024)
    # A DELIVER not answered in this time is sent again (on the same or another link).
    resend_seconds: float = Field(60.0, gt=0)
    # Keep-alive: after this much silence the server sends ACTIVE_TEST / enquire_link, and
    # drops the link when the next one is due with the previous still unanswered.
    keepalive_seconds: float = Field(30.0, gt=0)
    # How often the database is asked for new reports and MO of logged-in receivers.
    poll_seconds: float = Field(1.0, gt=0)
    # Reports and MO older than this (by sms_event.event_at) are not sent any more.
    replay_hours: float = Field(72.0, gt=0)
    # A long message whose parts do not all arrive within this time is refused.
    parts_timeout_seconds: float = Field(60.0, gt=0)
    accounts: dict[str, IntakeAccount] = {}

    @field_validator("allow_ips")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:
            ipaddress.ip_network(value, strict=False)  # ValueError names the bad one
        return values

    def sources(self) -> list[str]:
        return sorted({a.source_system for a in self.accounts.values()})


class CmppIntakeConfig(ListenerConfig):
    port: int = Field(7890, ge=0, le=65535)

    @field_validator("accounts")
    @classmethod
    def _six_characters(cls, accounts: dict[str, IntakeAccount]) -> dict[str, IntakeAccount]:
        long = [name for name in accounts if len(name) > 6]
        if long:
            raise ValueError(f"CMPP logins (Source_Addr) are at most 6 characters: {long}")
        return accounts


class SmppIntakeConfig(ListenerConfig):
    port: int = Field(2775, ge=0, le=65535)

    @field_validator("accounts")
    @classmethod
    def _smpp_sizes(cls, accounts: dict[str, IntakeAccount]) -> dict[str, IntakeAccount]:
        for name, account in accounts.items():
            if len(name) > 15 or len(account.password.get_secret_value()) > 8:
                raise ValueError(
                    f"SMPP login {name!r}: system_id is at most 15 characters, password 8"
                )
        return accounts


class IntakeConfig(_Section):
    cmpp: CmppIntakeConfig = CmppIntakeConfig()
    smpp: SmppIntakeConfig = SmppIntakeConfig()
