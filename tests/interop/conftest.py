"""The npm ``smpp`` peer, installed once per session for every interop test that needs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PEERS = Path(__file__).parent / "peers"


@pytest.fixture(scope="session")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """npm ``smpp`` installed from peers/package.json and its package-lock.json (the exact
    versions and hashes of smpp and its two dependencies) into a temporary directory."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip(
            "npm smpp peer: node/npm are not installed (scripts/ensure-node; make test runs it)"
        )
    where = tmp_path_factory.mktemp("npm")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PEERS / name, where)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"npm smpp peer: npm ci failed (offline?): {done.stderr.strip()[:300]}")
    return where / "node_modules"
