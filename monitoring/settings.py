"""The ``[monitoring]`` and ``[alarms]`` sections."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class MonitoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(9108, ge=0, le=65535)  # 0 picks a free port (tests)
    # The database probe behind /readyz and hisms_database_up: its period and deadline.
    probe_every_seconds: float = Field(2.0, gt=0)
    probe_timeout_seconds: float = Field(1.0, gt=0)
    # The oldest pending age and backlog per lane: a few index seeks on this period.
    sample_every_seconds: float = Field(10.0, gt=0)
    backlog_cap: int = Field(100_000, ge=1)
    # An operator that had a message sent within this window needs a channel UP to be ready.
    traffic_window_seconds: float = Field(900.0, gt=0)
    # The engines `hisms top` reads (their /metrics); empty = this host and port.
    endpoints: list[str] = []

    def local_endpoint(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}/metrics"


class SmtpConfig(BaseModel):
    """Where alarm email goes out; the password from the environment
    (``HISMS_ALARMS__SMTP__PASSWORD``)."""

    model_config = ConfigDict(extra="forbid")

    host: str = ""  # empty: no email
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str = ""
    password: SecretStr = SecretStr("")
    sender: str = "hisms@localhost"
    ca_file: str = ""  # CA bundle for the server's certificate; empty = the system's
    timeout_seconds: float = Field(10.0, gt=0)


class AlarmConfig(BaseModel):
    """The built-in alarm rules, their thresholds and whom they reach."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    every_seconds: float = Field(5.0, gt=0)  # how often the rules are evaluated
    repeat_seconds: float = Field(1800.0, gt=0)  # notified again while an alarm lasts
    # Flapping: an alarm clears only after its condition has been false this long.
    clear_after_seconds: float = Field(60.0, ge=0)
    # The rules (0 turns a threshold rule off).
    channel_down_seconds: float = Field(60.0, ge=0)
    success_window_minutes: float = Field(10.0, gt=0)
    min_parts: int = Field(20, ge=1)  # fewer parts or reports in the window: no verdict
    submit_success_below: float = Field(90.0, ge=0, le=100)  # percent
    report_success_below: float = Field(80.0, ge=0, le=100)
    report_return_below: float = Field(97.0, ge=0, le=100)
    report_wait_minutes: float = Field(5.0, ge=0)  # reports expected this long after submit
    urgent_pending_seconds: float = Field(120.0, ge=0)
    backlog_above: int = Field(50_000, ge=0)
    database_down_seconds: float = Field(10.0, ge=0)
    engine_lost_minutes: float = Field(10.0, gt=0)  # rows reclaimed from a dead engine within
    # Notification: SMS straight through a channel other than the failing one, and email.
    sms_to: list[str] = []
    sms_channels: list[str] = []  # in order of preference; empty = every enabled channel
    sms_signature: str = "【hisms】"
    email_to: list[str] = []
    smtp: SmtpConfig = SmtpConfig()
    # The daily summary email, at this local time (the hospital's time zone).
    summary_to: list[str] = []
    summary_at: str = Field("08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Alarm events kept in memory while the database cannot take them.
    buffer_events: int = Field(1000, ge=1)
