"""``hisms user add|passwd|disable`` on a real database, audited."""

from __future__ import annotations

import re
from pathlib import Path

from tests.acceptance.conftest import hisms, write_config


def test_users_are_added_changed_and_disabled_from_the_command_line(tmp_path: Path) -> None:
    config = write_config(tmp_path / "hisms.toml", f"sqlite:///{tmp_path / 'h.db'}")
    hisms("db", "init", config=config)
    weak = hisms("user", "add", "admin", "--password", "admin", config=config, check=False)
    assert weak.returncode != 0 and "密码至少 10 位" in weak.stderr
    added = hisms("user", "add", "nurse", "--role", "dept", "--dept", "ICU",
                  "--password", "Night-shift-7", config=config)  # fmt: skip
    assert "user nurse: added (dept)" in added.stdout
    hisms("user", "passwd", "nurse", "--password", "Day-shift-88", config=config)
    hisms("user", "disable", "nurse", config=config)
    trail = hisms("audit", "--object", "user", config=config).stdout
    assert re.findall(r"\) (\S+) user nurse", trail) == ["disable", "passwd", "create"]
    assert "Night-shift-7" not in trail and "argon2" not in trail
