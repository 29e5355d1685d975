import re

import pytest

from hisms.engine.config import ConfigError, load


def test_file_then_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hisms.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///x.db"\n[engine]\nbatch_size = 50\n'
        '[[channels]]\nname = "cm"\nprotocol = "cmpp"\nhost = "10.0.0.1"\n'
        '[sources.HIS]\next = "01"\n',
        "utf-8",
    )
    monkeypatch.setenv("HISMS_ENGINE__BATCH_SIZE", "75")
    settings = load(path)
    assert settings.engine.batch_size == 75
    assert settings.database.url.get_secret_value() == "sqlite:///x.db"
    assert settings.channels[0].options() == {"host": "10.0.0.1"}
    assert settings.sources["HIS"].ext == "01"


def test_errors_name_the_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hisms.toml"
    path.write_text("[engine]\nbatch_size = -1\nbogus = 1\n", "utf-8")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "engine.batch_size" in str(err.value) and "engine.bogus" in str(err.value)


def test_password_in_the_url_is_not_printed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hisms.toml"
    path.write_text('[database]\nurl = "postgresql://u:s3cret@h/db"\n', "utf-8")
    assert "s3cret" not in repr(load(path))


def test_missing_file_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load("/nonexistent/hisms.toml")


CHANNELS = (
    '[[channels]]\nname = "cmcc"\nprotocol = "cmpp"\nsecret = "change-me"\nport = 7890\n'
    "verify_server_auth = false\n"
    '[[channels]]\nname = "Telecom"\nprotocol = "smgp"\nsecret = "change-me-too"\n'
)


def test_a_channel_key_is_overridden_by_channel_name(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hisms.toml"
    path.write_text(CHANNELS, "utf-8")
    monkeypatch.setenv("HISMS_CHANNELS__CMCC__SECRET", "from-env")
    monkeypatch.setenv("hisms_channels__telecom__Secret", "007")  # names match in any case
    monkeypatch.setenv("HISMS_CHANNELS__CMCC__ENABLED", "false")
    settings = load(path)
    cmcc, telecom = settings.channels
    assert cmcc.enabled is False
    assert cmcc.options() == {"secret": "from-env", "port": 7890, "verify_server_auth": False}
    assert (telecom.name, telecom.options()) == ("Telecom", {"secret": "007"})


def test_an_overridden_option_keeps_the_type_the_file_gives_it(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hisms.toml"
    path.write_text(CHANNELS, "utf-8")
    monkeypatch.setenv("HISMS_CHANNELS__CMCC__PORT", "7891")
    monkeypatch.setenv("HISMS_CHANNELS__CMCC__VERIFY_SERVER_AUTH", "true")
    monkeypatch.setenv("HISMS_CHANNELS__CMCC__SRC_NUMBER", "0106901")  # not in the file: text
    options = load(path).channels[0].options()
    assert (options["port"], options["verify_server_auth"]) == (7891, True)
    assert options["src_number"] == "0106901"


def test_an_override_of_the_default_loopback_channel(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HISMS_CHANNELS__LOOPBACK__REPORT_DELAY", "0.5")
    (channel,) = load().channels
    assert (channel.name, channel.options()) == ("loopback", {"report_delay": "0.5"})


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("HISMS_CHANNELS__CMCX__SECRET", "x", "CMCX__SECRET names no channel 'cmcx' (channels: "),
        ("HISMS_CHANNELS__CMCC", "x", "HISMS_CHANNELS__<NAME>__<KEY>"),
        ("HISMS_CHANNELS__CMCC__PORT", "seven", "HISMS_CHANNELS__CMCC__PORT: 'seven' is not"),
    ],
)
def test_a_wrong_channel_override_is_a_clear_error(  # type: ignore[no-untyped-def]
    tmp_path, monkeypatch, name: str, value: str, problem: str
) -> None:
    path = tmp_path / "hisms.toml"
    path.write_text(CHANNELS, "utf-8")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        load(path)


def test_an_environment_variable_sets_the_entry_the_file_names_whatever_its_case(
    tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "hisms.toml"
    path.write_text(
        '[webservice.clients.ESB]\npassword = "in-the-file"\nsources = ["HIS"]\n'
        '[sources.HIS]\next = "01"\n',
        "utf-8",
    )
    monkeypatch.setenv("HISMS_WEBSERVICE__CLIENTS__ESB__PASSWORD", "from-env")
    monkeypatch.setenv("HISMS_SOURCES__HIS__SIGNATURE", "协和医院")
    settings = load(path)
    assert list(settings.webservice.clients) == ["ESB"]  # not a second client "esb"
    assert settings.webservice.clients["ESB"].password.get_secret_value() == "from-env"
    assert settings.webservice.clients["ESB"].sources == ["HIS"]
    assert list(settings.sources) == ["HIS"] and settings.sources["HIS"].signature == "协和医院"
