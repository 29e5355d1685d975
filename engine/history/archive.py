"""The steps of ``hisms db archive`` and ``hisms db restore-archive``, over any History.

A month is archived whole (every history table) and only when it ended before the
retention cutoff. Each file is written, then read back and checked against the manifest;
only then are that month's rows dropped. A month whose files cannot be written or checked
stays in the database.
"""

from __future__ import annotations

import functools
import gzip
import logging
from datetime import datetime
from pathlib import Path

from hisms.engine.history import files
from hisms.engine.history.base import History, HistoryError, Part
from hisms.engine.history.months import cutoff

log = logging.getLogger(__name__)


def archive(
    history: History, folder: Path, older_than: int, retention: int, now: datetime
) -> list[files.Manifest]:
    """Archive every month older than ``older_than`` months (never less than
    ``retention``) to ``folder``; the manifests written, oldest month first."""
    if older_than < retention:
        raise HistoryError(
            f"--older-than {older_than} months is inside the retention ({retention} months, "
            "history.retention_months): nothing younger than the retention is archived"
        )
    before = cutoff(now, older_than)
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for month, parts in sorted(history.archivable(before).items()):
        manifest = _export(history, folder, month, parts, before)
        history.drop(parts)
        log.info(
            "archived %s: %s", month, ", ".join(f"{e.table} {e.rows}" for e in manifest.entries)
        )
        done.append(manifest)
    return done


def _export(
    history: History, folder: Path, month: str, parts: list[Part], before: datetime
) -> files.Manifest:
    if files.manifest_path(folder, month).exists():
        raise HistoryError(
            f"{files.manifest_path(folder, month)} exists: archive {month} elsewhere"
        )
    entries = []
    for part in parts:
        name = f"{part.table}-{month}.csv.gz"
        try:
            rows, digest = files.write_part(folder / name, functools.partial(history.export, part))
        except FileExistsError as exc:
            raise HistoryError(f"{folder / name} exists: archive {month} elsewhere") from exc
        entries.append(files.Entry(part.table, part.name, name, rows, digest, part.lo, part.hi))
    manifest = files.Manifest(month, history.dialect, files.now_text(), before.isoformat(), entries)
    for entry in entries:
        files.check(folder, entry)  # read back before anything is dropped
    files.write_manifest(folder, manifest)
    return manifest


def restore(history: History, manifest_file: Path) -> list[str]:
    """Load every file of a month's manifest back; where each can be read now."""
    manifest = files.read_manifest(manifest_file)
    if manifest.dialect != history.dialect:
        raise HistoryError(
            f"{manifest_file} was archived from {manifest.dialect}, "
            f"this database is {history.dialect}"
        )
    folder = manifest_file.parent
    for entry in manifest.entries:
        files.check(folder, entry)
    where = []
    for entry in reversed(manifest.entries):  # parents first
        with gzip.open(folder / entry.file, "rb") as source:
            where.append(history.restore(entry, source))
    return where
