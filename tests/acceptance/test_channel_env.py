"""Story: ops keeps the gateway secret out of the configuration file, in the service's
environment (``HISMS_CHANNELS__<CHANNEL>__SECRET``), as etc/hisms.toml advises."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest

from hisms.engine.store import open_store
from tests.waiting import wait_until

ACCOUNT, SECRET = "901234", "s3cret-from-env"


@pytest.fixture
def gateway(cli, tmp_path: Path) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """A CMPP simulator that only lets in the secret kept in the environment."""
    sim: Popen[str] = cli.spawn(
        "simulate", "cmpp", "--port", "0", "--account", ACCOUNT, "--secret", SECRET,
        "--report-delay", "0.01", config=tmp_path / "none.toml",
    )  # fmt: skip
    try:
        assert sim.stdout is not None
        started = re.search(r"simulator on 127\.0\.0\.1:(\d+)", sim.stdout.readline())
        assert started, "the simulator did not start"
        yield int(started[1])
    finally:
        sim.send_signal(signal.SIGINT)
        sim.communicate(timeout=30)


def _config(path: Path, url: str, port: int) -> Path:
    path.write_text(
        f'[database]\nurl = "{url}"\n[engine]\npoll_max_seconds = 0.2\n'
        '[validation]\ndefault_signature = "测试医院"\n'
        '[[channels]]\nname = "cmcc"\nprotocol = "cmpp"\nhost = "127.0.0.1"\n'
        f'port = {port}\nsource_addr = "{ACCOUNT}"\nsecret = "change-me"\n'
        'src_number = "10690123"\n',
        "utf-8",
    )
    return path


def _delivered(url: str) -> int:
    store = open_store(url)
    try:
        return store.status_counts()["DELIVERED"]
    finally:
        store.close()


def test_the_gateway_secret_comes_from_the_environment(  # type: ignore[no-untyped-def]
    cli, gateway: int, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path / "hisms.toml", sqlite_url, gateway)
    monkeypatch.setenv("HISMS_CHANNELS__CMCC__SECRET", SECRET)  # the file says change-me
    cli.run("send", "--phone", "13800138000", "--content", "复诊提醒", config=config)
    engine = cli.spawn("run", config=config)
    try:

        def delivered() -> bool:
            assert engine.poll() is None, "hisms run exited"
            return _delivered(sqlite_url) == 1

        wait_until(delivered, 30, "the message delivered")
    finally:
        engine.send_signal(signal.SIGTERM)
        out, _ = engine.communicate(timeout=30)
    assert re.search(r"cmcc#\d+: logged in", out), out  # with the secret of the environment
    assert SECRET not in out


def test_an_override_naming_no_channel_is_a_clear_error(  # type: ignore[no-untyped-def]
    cli, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path / "hisms.toml", sqlite_url, 7890)
    monkeypatch.setenv("HISMS_CHANNELS__CMCX__SECRET", SECRET)
    ran = cli.run("stats", config=config, check=False)
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert "HISMS_CHANNELS__CMCX__SECRET names no channel 'cmcx' (channels: cmcc)" in ran.stderr
