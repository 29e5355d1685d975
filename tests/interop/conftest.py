"""The npm ``smpp`` peer, installed once per session for every interop test that needs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PEERS = Path(__file__).parent / "peers"


@pytest.fixture(scope="session")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """npm ``smpp`` installed from peers/package.json into a temporary directory."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("npm smpp peer: node/npm are not installed")
    where = tmp_path_factory.mktemp("npm")
    shutil.copy(PEERS / "package.json", where)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"npm smpp peer: npm install failed (offline?): {done.stderr.strip()[:300]}")
    return where / "node_modules"
