"""Running the real ``hisms`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HISMS = [sys.executable, "-m", "hisms"]


def write_config(path: Path, url: str, **loopback: object) -> Path:
    options = "".join(f"{k} = {_toml(v)}\n" for k, v in loopback.items())
    path.write_text(
        f'[database]\nurl = "{url}"\n'
        "[engine]\nlease_seconds = 2\nreclaim_every_seconds = 0.3\npoll_min_seconds = 0.02\n"
        "poll_max_seconds = 0.2\nwriteback_every_seconds = 0.05\n"
        '[validation]\ndefault_signature = "测试医院"\n'
        f'[[channels]]\nname = "lb"\nprotocol = "loopback"\n{options}',
        "utf-8",
    )
    return path


def _toml(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def hisms(
    *args: str, config: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    prefix = ["--config", str(config)] if config else []
    return subprocess.run(
        [*HISMS, *prefix, *args], capture_output=True, text=True, env=env, check=check, timeout=120
    )


def spawn(*args: str, config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*HISMS, "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class Cli:
    """The helpers above, as a fixture (test modules cannot import conftest)."""

    write_config = staticmethod(write_config)
    run = staticmethod(hisms)
    spawn = staticmethod(spawn)


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Path:
    return write_config(tmp_path / "hisms.toml", db_url, report_delay=0.01)
