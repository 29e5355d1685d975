"""Configuration and secrets files: readable by the engine, by nobody else."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from hisms.engine.doctor.findings import Finding, failed, passed

# A key that holds a secret when it has a value (password = "...", HISMS_..._SECRET=...),
# not one that only names it (password_env, password_days); or a URL with a password in it
# (postgresql://hisms:PASSWORD@db/hisms). Comment lines are not read.
_SECRET = re.compile(
    r"^\s*[\w.]*?(password|passwd|secret|secret_key|token|api_key|private_key|sm4_key)"
    r"\s*=\s*[\"']?[^\s\"'#]"
    r"|\w://[^/\s:@'\"]+:[^/\s@'\"]+@",
    re.I,
)


def holds_secrets(text: str) -> bool:
    lines = (line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return any(_SECRET.search(line) for line in lines)


def secrets_file(check: str, path: Path) -> Finding:
    """A file holding passwords must not be readable by group or others (mode 0600)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return failed(check, f"{path} does not exist", "create it, mode 0600: see docs/install.md")
    except OSError as exc:
        return failed(check, f"{path}: {exc.strerror}", f"let the engine's user read {path}")
    if mode & 0o077 and holds_secrets(text):
        return failed(
            check,
            f"{path} holds secrets and is readable by others (mode {mode:04o})",
            f"chmod 600 {path} (owner: the engine's user), or move the secrets to the "
            "environment file (docs/install.md#service)",
        )
    if mode & 0o077:
        return passed(check, f"{path} (mode {mode:04o}, no secrets in it)")
    return passed(check, f"{path} (mode {mode:04o})")


def environment(path: Path) -> dict[str, str]:
    """The variables of a systemd EnvironmentFile (KEY=VALUE lines, # comments, optional
    quotes), so that doctor sees the settings the service sees; {} when unreadable."""
    try:
        text = path.read_text("utf-8")
    except OSError:
        return {}
    found = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key] = value
    return found
