"""An archive on disk: one gzip CSV per table and month, and one JSON manifest per month
that lists them with their row counts and SHA-256, checked before anything is dropped
and before anything is restored."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

NULL = r"\N"  # how a NULL is written in the CSV (COPY's NULL '\N'); an empty string is ""
_CHUNK = 1 << 20


class ArchiveFileError(Exception):
    """A file of an archive is missing, altered, or does not hold what its manifest says."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """One file of a manifest."""

    table: str
    name: str  # the partition or table it came from
    file: str  # beside the manifest
    rows: int
    sha256: str
    lo: Any  # the part's bounds, as written by the database's History (ids or times)
    hi: Any


@dataclasses.dataclass(frozen=True)
class Manifest:
    month: str
    dialect: str
    archived_at: str
    before: str  # the cutoff: every row archived is older
    entries: list[Entry]


class _Hashing:
    """A binary sink that hashes and counts what goes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def write_part(path: Path, fill: Callable[[gzip.GzipFile], int]) -> tuple[int, str]:
    """Create ``path`` (never over an existing file) with what ``fill`` writes to a gzip
    stream; (rows ``fill`` reported, SHA-256 of the compressed file)."""
    with path.open("xb") as raw:
        hashing = _Hashing(raw)
        # Level 6 (gzip's own default): level 9 took three times as long for 3% less.
        with gzip.GzipFile(fileobj=hashing, mode="wb", compresslevel=6, mtime=0) as packed:
            rows = fill(packed)
    return rows, hashing.digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def count_rows(path: Path) -> int:
    """Records of a gzip CSV, its header not counted (quoted newlines are one record)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def check(folder: Path, entry: Entry) -> None:
    """The file is the one the manifest names, whole: same SHA-256 and row count."""
    path = folder / entry.file
    if not path.is_file():
        raise ArchiveFileError(f"{path}: missing")
    if sha256_of(path) != entry.sha256:
        raise ArchiveFileError(f"{path}: SHA-256 differs from the manifest's")
    found = count_rows(path)
    if found != entry.rows:
        raise ArchiveFileError(f"{path}: {found} rows, the manifest says {entry.rows}")


def manifest_path(folder: Path, month: str) -> Path:
    return folder / f"hisms-archive-{month}.json"


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    path = manifest_path(folder, manifest.month)
    with path.open("x", encoding="utf-8") as f:
        json.dump(dataclasses.asdict(manifest), f, indent=2, default=_json_value)
        f.write("\n")
    return path


def read_manifest(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text("utf-8"))
        entries = [Entry(**e) for e in data.pop("entries")]
        return Manifest(**data, entries=entries)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ArchiveFileError(f"{path}: not a hisms archive manifest ({exc})") from exc


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
