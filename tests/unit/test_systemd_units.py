"""The systemd units of etc/systemd/ (docs/install.md#service): the engine (hisms.service,
hisms@.service) and the console on its own (hisms-console.service) run as the unprivileged
hisms user, restart on failure, stop after the engine's drain, take their secrets from a
root-only environment file, log to journald, and pass `systemd-analyze verify`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hisms.carrier.session.settings import SessionSettings
from hisms.engine.config import EngineConfig

SYSTEMD = Path(__file__).resolve().parents[2] / "etc" / "systemd"
UNITS = ("hisms.service", "hisms@.service", "hisms-console.service")
ENGINES = ("hisms.service", "hisms@.service")


def settings(name: str) -> dict[str, list[str]]:
    """Each key of the unit's [Service] section with its values, in order."""
    found: dict[str, list[str]] = {}
    text = (SYSTEMD / name).read_text("utf-8").split("[Service]", 1)[1].split("[Install]")[0]
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


@pytest.mark.parametrize("name", UNITS)
def test_each_unit_runs_unprivileged_restarts_and_logs_to_journald(name: str) -> None:
    unit = settings(name)
    assert unit["User"] == ["hisms"] and unit["Group"] == ["hisms"]
    assert unit["Restart"] == ["on-failure"]
    assert int(unit["LimitNOFILE"][0]) >= 65536
    assert unit["StandardOutput"] == ["journal"] and unit["StandardError"] == ["journal"]
    assert unit["EnvironmentFile"][0] == "/etc/hisms/hisms.env"  # the 0600 secrets
    assert unit["NoNewPrivileges"] == ["yes"] and unit["UMask"] == ["0077"]


@pytest.mark.parametrize("name", ENGINES)
def test_an_engine_may_drain_before_systemd_kills_it_and_reloads_on_sighup(name: str) -> None:
    unit = settings(name)
    # SIGTERM: the engine's drain, then each channel's in-flight answers and its unbind.
    channel = SessionSettings.model_fields["drain_seconds"].default
    drain = EngineConfig().drain_seconds + channel + 2
    assert int(unit["TimeoutStopSec"][0]) > 2 * drain
    assert unit["KillSignal"] == ["SIGTERM"]
    assert unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"]


def test_the_environment_file_sample_is_installed_root_only() -> None:
    steps = (Path(__file__).resolve().parents[2] / "docs" / "install.md").read_text("utf-8")
    assert "install -m 0600 -o root -g root /opt/hisms/etc/systemd/hisms.env.example" in steps


@pytest.mark.parametrize("name", UNITS)
def test_systemd_accepts_the_unit(tmp_path: Path, name: str) -> None:
    verify = shutil.which("systemd-analyze")
    if verify is None:
        pytest.skip("systemd-analyze is not on this machine")
    text = (SYSTEMD / name).read_text("utf-8")
    unit = text.replace("/opt/hisms/bin/hisms", sys.executable)  # an executable that exists
    (tmp_path / name).write_text(unit, "utf-8")
    checked = subprocess.run(
        [verify, "verify", tmp_path / name.replace("@.", "@1.")], capture_output=True, text=True
    )
    assert checked.returncode == 0 and not checked.stderr, checked.stderr
