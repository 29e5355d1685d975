"""No dialect's grants let anybody change or delete the audit trail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hisms import sql
from hisms.engine.store.dbapi import without_comments

SQL = Path(sql.__file__).parent
GRANTED = ("postgresql", "kingbase", "mysql", "oracle", "dm", "sqlserver")


@pytest.mark.parametrize("dialect", GRANTED)
def test_the_audit_trail_is_granted_for_reading_and_appending_only(dialect: str) -> None:
    grants = without_comments((SQL / dialect / "grants.sql").read_text("utf-8")).split(";")
    on_audit = [g for g in grants if re.search(r"\bON \S*sms_audit\b", g)]
    assert on_audit and all(re.search(r"GRANT SELECT, INSERT ON", g) for g in on_audit)
    assert not any(re.search(r"\b(UPDATE|DELETE|ALL)\b", g) for g in on_audit)


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite", "mysql", "oracle", "dm", "sqlserver"])
def test_every_dialect_has_a_trigger_refusing_changes_to_the_audit_trail(dialect: str) -> None:
    ddl = sql.schema(dialect)
    assert re.search(r"CREATE (OR REPLACE )?TRIGGER \w+ (BEFORE|ON sms_audit INSTEAD OF) ", ddl)
    assert "append-only" in ddl
