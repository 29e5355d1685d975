"""The [api] section: callers' secrets from the environment, SM4 keys checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from hisms.engine.config import ConfigError, load

SECTION = '[api]\nenabled = true\n[api.callers.ESB]\nkey = "esb-key-0001"\nsecret = "in-file"\n'


def test_a_callers_secret_comes_from_the_environment_under_its_own_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hisms.toml"
    path.write_text(SECTION, "utf-8")
    monkeypatch.setenv("HISMS_API__CALLERS__ESB__SECRET", "from-env")
    monkeypatch.setenv("HISMS_API__CALLERS__ESB__SM4_KEY", "00112233445566778899aabbccddeeff")
    callers = load(path).api.callers
    assert list(callers) == ["ESB"]  # not a second caller "esb" lacking a key
    assert callers["ESB"].secret.get_secret_value() == "from-env"
    assert "from-env" not in repr(callers)


def test_an_sm4_key_must_be_128_bits_of_hex(tmp_path: Path) -> None:
    path = tmp_path / "hisms.toml"
    path.write_text(SECTION + 'sm4_key = "not-hex"\n', "utf-8")
    with pytest.raises(ConfigError, match="sm4_key must be 32 hexadecimal digits"):
        load(path)
