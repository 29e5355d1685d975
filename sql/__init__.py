"""Named SQL statements per dialect, kept in .sql files a DBA can read.

Each ``queries.sql`` holds blocks introduced by ``-- name: <name>`` and a one-line
description comment; Python only ever refers to statements by name. A dialect
whose folder lacks ``queries.sql`` or ``migrations/`` runs those of the dialect it
is compatible with (:data:`BORROWS`): one text to maintain, not a copy to keep equal.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)
# KingbaseES runs PostgreSQL's statements and DDL; DM8 runs Oracle's statements (its DDL
# has types of its own, so sql/dm/migrations stays).
BORROWS = {"kingbase": "postgresql", "dm": "oracle"}


def _part(dialect: str, name: str) -> Traversable:
    """``dialect``'s file or folder ``name``, else that of the dialect it borrows from."""
    own = resources.files(__package__).joinpath(dialect, name)
    if own.is_file() or own.is_dir() or dialect not in BORROWS:
        return own
    return resources.files(__package__).joinpath(BORROWS[dialect], name)


@cache
def queries(dialect: str) -> dict[str, str]:
    """All named statements of ``dialect`` (``postgresql``, ``sqlite``, ...)."""
    parts = _NAME.split(_part(dialect, "queries.sql").read_text("utf-8"))
    named = {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}
    if len(named) < len(parts) // 2:  # a second statement of a name would hide the first
        twice = sorted({n for n in parts[1::2] if parts[1::2].count(n) > 1})
        raise ValueError(f"sql/{dialect}/queries.sql names more than one statement {twice}")
    return named


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
    found = []
    for entry in _part(dialect, "migrations").iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text("utf-8")))
    return sorted(found)


def dialects() -> list[str]:
    """Dialects that ship a schema."""
    root = resources.files(__package__)
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and (p.joinpath("queries.sql").is_file() or p.name in BORROWS)
    )


_GRANT = re.compile(r"^GRANT\s+([A-Z, ]+?)\s+ON\s+([\w.,\s]+?)\s+TO\s+([^;]+);", re.M | re.I)
_TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")


def engine_grants(dialect: str) -> list[tuple[str, str]]:
    """(table, privilege) the engine's account is granted by ``dialect``'s grants.sql, in the
    file's order: what ``hisms doctor`` checks the configured account holds. Empty for a
    dialect without grants (SQLite)."""
    grants = _part(dialect, "grants.sql")
    if not grants.is_file():
        return []
    needed: list[tuple[str, str]] = []
    for privileges, tables, grantees in _GRANT.findall(grants.read_text("utf-8")):
        if "hisms_engine" not in grantees.lower():
            continue
        for table in tables.split(","):
            name = table.strip().split(".")[-1].lower()
            for privilege in privileges.split(","):
                if privilege.strip().upper() in _TABLE_PRIVILEGES:
                    needed.append((name, privilege.strip().upper()))
    return needed
