"""Configuration: a TOML file (``etc/hisms.toml``) overridden by ``HISMS_*`` variables.

Every key can be overridden from the environment with ``HISMS_`` + the section
and key joined by ``__``, e.g. ``HISMS_DATABASE__URL`` or
``HISMS_ENGINE__BATCH_SIZE``; a channel's by its name, e.g.
``HISMS_CHANNELS__CMCC__SECRET`` (:mod:`hisms.engine.channel_env`);
``HISMS_CONFIG`` names the file itself.
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from hisms.adapters.api.settings import ApiConfig
from hisms.adapters.console.settings import ConsoleConfig
from hisms.adapters.his import Profiles, SourceProfile
from hisms.adapters.socketintake.settings import IntakeConfig
from hisms.adapters.webservice.settings import PlatformConfig, WebServiceConfig
from hisms.engine import channel_env
from hisms.engine.health import HealthConfig
from hisms.engine.policy.settings import PolicyConfig
from hisms.engine.resend import ResendConfig
from hisms.engine.routing.rules import RouteTable
from hisms.engine.routing.seed import RoutingConfig, seed_table, unknown_channels
from hisms.engine.validate import Rules
from hisms.monitoring.settings import AlarmConfig, MonitoringConfig


class ConfigError(Exception):
    """The configuration file or an override is wrong; the message says where."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseConfig(_Section):
    url: SecretStr = SecretStr("sqlite:///hisms.db")
    pool_size: int = Field(4, ge=1)


class EngineConfig(_Section):
    worker_id: str = ""
    batch_size: int = Field(200, ge=1, le=5000)
    urgent_batch_size: int = Field(20, ge=1, le=1000)
    inflight_batches: int = Field(4, ge=1, le=64)
    lease_seconds: float = Field(60.0, gt=0)
    # SIGTERM: how long batches on the wire may take to be answered and written back before
    # the links close; unsent rows are handed back at once, not after this.
    drain_seconds: float = Field(10.0, ge=0)
    max_attempts: int = Field(5, ge=1)
    retry_base_seconds: float = Field(5.0, gt=0)
    retry_max_seconds: float = Field(600.0, gt=0)
    poll_min_seconds: float = Field(0.05, gt=0)
    poll_max_seconds: float = Field(2.0, gt=0)
    reclaim_every_seconds: float = Field(5.0, gt=0)
    writeback_every_seconds: float = Field(0.2, gt=0)
    mo_correlation_hours: float = Field(72.0, gt=0)
    # Parts of a long reply wait for their siblings in sms_mo_part; a set still incomplete
    # after this long is stored as it is (sms_inbox.parts_missing > 0).
    mo_parts_seconds: float = Field(600.0, gt=0)
    # Reports and replies received but not yet stored, at most: past it the links stop
    # reading, and the gateways, unanswered, stop sending (their windows fill).
    event_queue_limit: int = Field(10000, ge=1)
    # Parked reports nothing matched (or matched long ago) are deleted after this long.
    unmatched_report_days: float = Field(7.0, gt=0)
    # Reports and replies the database refused (sms_parked) are deleted after this long.
    parked_days: float = Field(30.0, gt=0)
    # Alarm events (sms_alarm) are deleted after this long.
    alarm_days: float = Field(180.0, gt=0)
    # The gateway ids of stored replies (sms_mo_id) are kept this long: a reply the gateway
    # sends again within it (its answer was lost) is answered and not stored twice.
    mo_id_days: float = Field(7.0, gt=0)
    purge_every_seconds: float = Field(3600.0, gt=0)
    # A message whose every channel is down waits this long before it is looked at again
    # (priority 0-1: a second); waiting is not an attempt.
    channel_wait_seconds: float = Field(5.0, gt=0)
    # A SUBMITTED message with no delivery report after this long becomes 8 UNKNOWN.
    report_timeout_hours: float = Field(72.0, gt=0)
    report_timeout_every_seconds: float = Field(60.0, gt=0)
    # A channel's connections and rate shared by the engines of one database (leases in
    # sms_channel_slot, renewed every share_heartbeat_seconds, lost after share_ttl_seconds).
    share_limits: bool = True
    share_heartbeat_seconds: float = Field(1.0, gt=0)
    share_ttl_seconds: float = Field(5.0, gt=0)

    @model_validator(mode="after")
    def _ttl_outlives_heartbeats(self) -> EngineConfig:
        if self.share_ttl_seconds < 3 * self.share_heartbeat_seconds:
            raise ValueError("share_ttl_seconds must be at least 3 share_heartbeat_seconds")
        return self

    def resolved_worker_id(self) -> str:
        return self.worker_id or f"{socket.gethostname()}:{os.getpid()}"


class HistoryConfig(_Section):
    """How long the history stays in the tables (docs/dba.md#history)."""

    # Months of sms_outbox, sms_segment, sms_inbox and sms_event kept; `hisms db archive`
    # refuses anything younger.
    retention_months: int = Field(6, ge=1)
    # Pushed sms_event rows (the push queue) are deleted by the engines after this long.
    event_retention_days: float = Field(30.0, gt=0)
    # Rows deleted per transaction by the trim and by the batched archive.
    batch_rows: int = Field(5000, ge=100)
    # Months of partitions created ahead of this one (PostgreSQL), at start and hourly.
    partitions_ahead: int = Field(1, ge=1, le=24)


class ValidationConfig(_Section):
    max_chars: int = Field(1000, ge=1, le=10000)
    require_signature: bool = True
    default_signature: str = ""

    def rules(self) -> Rules:
        return Rules(self.max_chars, self.require_signature, self.default_signature)


class ChannelConfig(BaseModel):
    """One gateway account; keys other than these go to the protocol as options."""

    model_config = ConfigDict(extra="allow")
    name: str
    protocol: str
    enabled: bool = True
    operators: list[str] = ["mobile", "unicom", "telecom", "broadnet", "unknown"]

    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


_CHANNEL_DEFAULTS = {
    name: f.default for name, f in ChannelConfig.model_fields.items() if not f.is_required()
}


class BillingConfig(_Section):
    """Billing accounts and the report rollup (docs/reports.md)."""

    # The account of messages whose row and source profile give none ("": no account).
    default_account: str = Field("", max_length=32)
    # A message held over its account's quota is looked at again after this long.
    quota_recheck_seconds: float = Field(60.0, gt=0)
    # The engine adds final messages to sms_rollup every this long, this many at a time.
    rollup_every_seconds: float = Field(5.0, gt=0)
    rollup_batch: int = Field(5000, ge=1, le=50000)


class DbTableConfig(_Section):
    """Legacy HIS tables to poll: one mapping file each (etc/his_mapping.example.toml)."""

    mappings: list[str] = []


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HISMS_", env_nested_delimiter="__", extra="forbid"
    )
    database: DatabaseConfig = DatabaseConfig()
    engine: EngineConfig = EngineConfig()
    validation: ValidationConfig = ValidationConfig()
    history: HistoryConfig = HistoryConfig()
    resend: ResendConfig = ResendConfig()
    channels: list[ChannelConfig] = [ChannelConfig(name="loopback", protocol="loopback")]
    sources: dict[str, SourceProfile] = {}  # by source_system
    webservice: WebServiceConfig = WebServiceConfig()
    api: ApiConfig = ApiConfig()
    platform: PlatformConfig = PlatformConfig()
    intake: IntakeConfig = IntakeConfig()  # CMPP and SMPP servers for hospital systems
    dbtable: DbTableConfig = DbTableConfig()
    routing: RoutingConfig = RoutingConfig()
    health: HealthConfig = HealthConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    alarms: AlarmConfig = AlarmConfig()
    policy: PolicyConfig = PolicyConfig()
    billing: BillingConfig = BillingConfig()
    console: ConsoleConfig = ConsoleConfig()
    # The hospital's time zone: where the days of v_sms_stats_daily begin.
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name, e.g. Asia/Shanghai)"
            ) from exc
        return value

    @field_validator("sources")
    @classmethod
    def _one_owner_per_ext(cls, sources: dict[str, SourceProfile]) -> dict[str, SourceProfile]:
        Profiles(sources)
        return sources

    @model_validator(mode="after")
    def _grouped_channels_exist(self) -> Settings:
        unknown = unknown_channels(self.routing, self.channel_names())
        if unknown:
            raise ValueError(f"routing groups name unknown channels (by group): {unknown}")
        return self

    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    def profiles(self) -> Profiles:
        return Profiles(self.sources)

    def seed_routes(self) -> RouteTable:
        """The routing of a fresh install (``hisms db init`` writes it to the database)."""
        return seed_table(self.routing, self.channels)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment beats the file (passed as init values), which beats defaults.
        assert isinstance(init_settings, InitSettingsSource)
        return _Environment(settings_cls, init_settings.init_kwargs), init_settings


class _Environment(EnvSettingsSource):
    """``HISMS_*`` variables, where ``HISMS_CHANNELS__<NAME>__<KEY>`` sets one key of the
    channel so named among those of the file (or the default ones)."""

    def __init__(self, settings_cls: type[BaseSettings], init: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._init = init

    def __call__(self) -> dict[str, Any]:
        data = _spelled_as_in(super().__call__(), self._init)
        named = data.get("channels")
        if isinstance(named, dict):  # by name; a JSON list in HISMS_CHANNELS replaces them all
            channels = self._init.get("channels", Settings.model_fields["channels"].default)
            try:
                data["channels"] = channel_env.override(
                    [_plain(c) for c in channels], named, _CHANNEL_DEFAULTS
                )
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        return data


def _spelled_as_in(env: dict[str, Any], file: Mapping[str, Any]) -> dict[str, Any]:
    """The environment's keys come lower-cased; a table the file keys by name
    (``[webservice.clients.ESB]``, ``[sources.HIS]``, an intake login) keeps its spelling, so
    ``HISMS_WEBSERVICE__CLIENTS__ESB__PASSWORD`` sets that entry's password instead of
    adding an entry ``esb`` beside it."""
    spelled: dict[str, Any] = {}
    for key, value in env.items():
        name = key if key in file else next((k for k in file if k.lower() == key.lower()), key)
        inner = file.get(name)
        if isinstance(value, dict) and isinstance(inner, Mapping):
            value = _spelled_as_in(value, inner)
        spelled[name] = value
    return spelled


def _plain(channel: Any) -> Any:
    return channel.model_dump() if isinstance(channel, BaseModel) else channel


def load(path: str | Path | None = None) -> Settings:
    """Settings from ``path`` (or ``$HISMS_CONFIG``, or defaults) plus the environment."""
    path = path or os.environ.get("HISMS_CONFIG")
    data: dict[str, Any] = {}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"configuration file {path} not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from exc


def _describe(path: str | Path | None, exc: ValidationError) -> str:
    where = str(path) if path else "configuration"
    lines = [f"{where}: {len(exc.errors())} problem(s)"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)
