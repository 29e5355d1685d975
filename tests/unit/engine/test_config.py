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
