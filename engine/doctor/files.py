"""Configuration and secrets files: readable by the engine, by nobody else."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from hisms.engine.doctor.findings import Finding, failed, passed

# A key that holds a secret when it has a value (password = "...", HISMS_..._SECRET=...).
_SECRET = re.compile(r"(password|secret|token|api_key|private_key)\w*\s*=\s*\S", re.I)


def secrets_file(check: str, path: Path) -> Finding:
    """A file holding passwords must not be readable by group or others (mode 0600)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return failed(check, f"{path} does not exist", "create it, mode 0600: see docs/install.md")
    except OSError as exc:
        return failed(check, f"{path}: {exc.strerror}", f"let the engine's user read {path}")
    if mode & 0o077 and _SECRET.search(text):
        return failed(
            check,
            f"{path} holds secrets and is readable by others (mode {mode:04o})",
            f"chmod 600 {path} (owner: the engine's user)",
        )
    if mode & 0o077:
        return passed(check, f"{path} (mode {mode:04o}, no secrets in it)")
    return passed(check, f"{path} (mode {mode:04o})")
