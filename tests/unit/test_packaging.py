"""The package list in setup.cfg names every package of the tree: a folder left out is
missing from a wheel (the editable install used in development would not notice)."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_setup_cfg_lists_every_package() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = set()
    for folder, dirs, files in os.walk(ROOT):  # not into .venv: it links back to the root
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "tests"]
        if "__init__.py" in files:
            found.add(".".join(("hisms", *Path(folder).relative_to(ROOT).parts)))
    assert found - listed == set(), "packages missing from setup.cfg"
    assert listed - found == set(), "setup.cfg names packages that do not exist"
