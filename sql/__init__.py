"""Named SQL statements per dialect, kept in .sql files a DBA can read.

Each ``queries.sql`` holds blocks introduced by ``-- name: <name>`` and a one-line
description comment; Python only ever refers to statements by name.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def _read(dialect: str, filename: str) -> str:
    return resources.files(__package__).joinpath(dialect, filename).read_text("utf-8")


@cache
def queries(dialect: str) -> dict[str, str]:
    """All named statements of ``dialect`` (``postgresql``, ``sqlite``, ...)."""
    parts = _NAME.split(_read(dialect, "queries.sql"))
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}


def schema(dialect: str) -> str:
    """The full current DDL of ``dialect``, as a DBA would run it by hand: every
    migration in order, each followed by the row that records it."""
    blocks = []
    for version, name, body in migrations(dialect):
        record = f"INSERT INTO sms_schema_version (version, name) VALUES ({version}, '{name}');"
        blocks.append(f"-- migration {version:04d}_{name}\n{body.rstrip()}\n\n{record}\n")
    return "\n".join(blocks)


def migrations(dialect: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration of ``dialect``, in order."""
    folder = resources.files(__package__).joinpath(dialect, "migrations")
    found = []
    for entry in folder.iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text("utf-8")))
    return sorted(found)


def dialects() -> list[str]:
    """Dialects that ship a schema."""
    root = resources.files(__package__)
    return sorted(
        p.name for p in root.iterdir() if p.is_dir() and p.joinpath("queries.sql").is_file()
    )
