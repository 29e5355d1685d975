"""The report, bill and account commands in-process (click's runner) on SQLite: what they
print, their exports, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hisms.engine.cli import cli
from hisms.engine.store import open_store
from tests.integration.reports import history


@pytest.fixture
def hisms(tmp_path: Path, sqlite_url: str):  # type: ignore[no-untyped-def]
    config = tmp_path / "hisms.toml"
    config.write_text(f'[database]\nurl = "{sqlite_url}"\n', "utf-8")
    store = open_store(sqlite_url)
    history.load(store, sqlite_url)
    store.close()

    def run(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), *args])
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_reports_after_a_rebuild_and_their_exports(hisms, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "rolled up 5 final messages" in hisms("report", "rebuild")
    user = hisms(
        "report", "user", "--period", "month", "--from", "2026-11-01", "--to", "2026-12-31"
    )
    assert "2026-11\tWARD_A\t2\t2\t2\t1\t1\t0\t0\t0\t0\t0\t0.5" in user
    assert user.splitlines()[-1].startswith("Total 合计\t\t6\t")
    out = tmp_path / "interface.xlsx"
    assert "wrote" in hisms("report", "interface", "--from", "2026-11-01", "--to", "2026-11-30",
                            "--xlsx", str(out))  # fmt: skip
    assert out.stat().st_size > 0
    statement = hisms("bill", "statement", "--account", "WARD_A", "--month", "2026-11")
    assert "unicom\t0\t1\t0\t0\t0.04\t0" in statement
    dept = hisms("report", "user", "--period", "month", "--from", "2026-11-01", "--to",
                 "2026-12-31", "--dept", "D_A")  # fmt: skip
    assert "WARD_A" in dept and "WARD_B" not in dept  # D_A's account only
    replies = hisms("report", "mo", "--from", "2026-11-01", "--to", "2026-12-31", "--dept", "D_B")
    assert replies.splitlines()[-1].startswith("Total 合计")


def test_accounts_are_set_kept_and_refused_with_reasons(hisms) -> None:  # type: ignore[no-untyped-def]
    assert "account WARD_A unchanged" in hisms("account", "set", "WARD_A", "--price", "0.050")
    assert "account WARD_A saved" in hisms("account", "set", "WARD_A", "--monthly-quota", "9")
    assert "month 9 HOLD enabled" in hisms("account", "list")
    bad = hisms("account", "set", "WARD_A", "--operator-price", "cmcc=0.04", code=2)
    assert "unknown operators" in bad
    assert "is not a price" in hisms("account", "set", "X", "--price", "abc", code=2)
    assert "account X" not in hisms("account", "list")
    wrong = ("report", "mo", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "operator")
    assert "replies are counted by source or channel" in hisms(*wrong, code=2)
    assert "--to is before --from" in hisms("report", "summary", "--from", "2026-11-02",
                                            "--to", "2026-11-01", code=2)  # fmt: skip
    assert "is not a month" in hisms("bill", "statement", "--account", "A", "--month", "11", code=2)
    assert "account WARD_B deleted" in hisms("account", "delete", "WARD_B")
    assert "no account WARD_B" in hisms("account", "delete", "WARD_B", code=1)
