"""docs/errors.md lists exactly the ErrorCode members, and the SQL writes only members."""

from __future__ import annotations

import re
from pathlib import Path

from hisms import sql
from hisms.engine.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[3]
_ROW = re.compile(r"^\| `([A-Z_]+)` \| [^|]+ \| (.+?) \|$", re.MULTILINE)


def documented() -> dict[str, str]:
    """Code -> meaning from the table under "Codes hisms writes"."""
    text = (ROOT / "docs" / "errors.md").read_text("utf-8")
    section = text.split("## Codes hisms writes", 1)[1].split("\n## ", 1)[0]
    return dict(_ROW.findall(section))


def test_doc_and_enum_list_the_same_codes_and_meanings() -> None:
    in_enum = {code.value: code.description for code in ErrorCode}
    assert documented() == in_enum


def test_codes_written_by_sql_are_members() -> None:
    written = {
        code
        for dialect in sql.dialects()
        for body in sql.queries(dialect).values()
        for code in re.findall(r"error_code\s*=\s*'(\w+)'", body)
    }
    assert written == {ErrorCode.WORKER_LOST, ErrorCode.CANCELLED, ErrorCode.NO_REPORT}


def test_stored_strings_are_the_names() -> None:
    assert all(code == code.name for code in ErrorCode)
    assert f"{ErrorCode.PHONE_LENGTH}" == "PHONE_LENGTH"
