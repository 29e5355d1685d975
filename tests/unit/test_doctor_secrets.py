"""hisms doctor's reading of a configuration or environment file: does it hold a secret
(and so must not be readable by others)?"""

from __future__ import annotations

from pathlib import Path

import pytest

from hisms.engine.doctor.files import holds_secrets

ETC = Path(__file__).resolve().parents[2] / "etc"


@pytest.mark.parametrize(
    "line",
    [
        "HISMS_DATABASE__URL=postgresql://hisms_engine:pw@db:5432/hisms",
        'url = "mysql+pymysql://hisms:pw@db:3306/hisms"',
        "HISMS_CHANNELS__CMCC__SECRET=pw",
        'secret = "pw"',
        "password = 'pw'",
        "HISMS_CONSOLE__SECRET_KEY=0123abcd",
        'sm4_key = "00112233445566778899aabbccddeeff"',
        "  token = x",
    ],
)
def test_a_secret_is_seen(line: str) -> None:
    assert holds_secrets(f"[section]\n{line}\n")


@pytest.mark.parametrize(
    "line",
    [
        'url = "postgresql://postgres@127.0.0.1:5432/hisms"',  # no password in the URL
        'url = "sqlite:////var/lib/hisms/hisms.db"',
        'secret = ""',  # empty: set in the environment file
        'password_env = "HISMS_CMPP_LIS_SECRET"',  # names the variable, holds nothing
        "password_min_length = 10",
        "password_days = 90",
        "# password = pw  (a comment)",
        "# http://<engine>:9108/callbacks/agg/report?token=<it>",
    ],
)
def test_what_only_names_a_secret_is_not_one(line: str) -> None:
    assert not holds_secrets(f"[section]\n{line}\n")


def test_the_samples_that_carry_placeholder_secrets_are_seen() -> None:
    assert holds_secrets((ETC / "systemd" / "hisms.env.example").read_text("utf-8"))
    assert holds_secrets((ETC / "hisms.toml").read_text("utf-8"))
    assert not holds_secrets((ETC / "intake.example.toml").read_text("utf-8"))
