"""The [intake.*] sections: passwords from the environment, the protocols' login sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hisms.adapters.socketintake.settings import CmppIntakeConfig, SmppIntakeConfig
from hisms.engine.config import load

SAMPLE = Path(__file__).resolve().parents[3] / "etc" / "intake.example.toml"


def test_sample_loads_with_passwords_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HISMS_CMPP_LIS_SECRET", "s3cret")
    monkeypatch.setenv("HISMS_SMPP_PACS_PASSWORD", "pw")
    monkeypatch.delenv("HISMS_CONFIG", raising=False)
    intake = load(SAMPLE).intake
    lis = intake.cmpp.accounts["901234"]
    assert (lis.source_system, lis.password.get_secret_value(), lis.rate) == ("LIS", "s3cret", 100)
    assert "s3cret" not in repr(lis)  # never printed
    assert intake.smpp.sources() == ["PACS"] and intake.smpp.port == 2775


def test_a_missing_password_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE", raising=False)
    with pytest.raises(ValidationError, match="password_env: NOPE is not set"):
        SmppIntakeConfig(accounts={"lis": {"source_system": "LIS", "password_env": "NOPE"}})
    with pytest.raises(ValidationError, match="give password_env"):
        SmppIntakeConfig(accounts={"lis": {"source_system": "LIS"}})


def test_login_sizes_and_networks() -> None:
    account = {"source_system": "LIS", "password": "pw"}
    with pytest.raises(ValidationError, match="at most 6 characters"):
        CmppIntakeConfig(accounts={"1234567": account})
    with pytest.raises(ValidationError, match="password 8"):
        SmppIntakeConfig(accounts={"lis": {**account, "password": "123456789"}})
    with pytest.raises(ValidationError, match=r"10\.0\.0\.300"):
        SmppIntakeConfig(allow_ips=["10.0.0.300"])
