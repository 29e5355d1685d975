"""``hisms db partitions``, ``hisms db archive`` and ``hisms db restore-archive``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import click

from hisms.engine.config import Settings
from hisms.engine.history import archive as steps
from hisms.engine.history import open_history
from hisms.engine.history.base import History, HistoryError
from hisms.engine.history.files import ArchiveFileError
from hisms.engine.history.months import AgeError, parse_age


class _Obj(Protocol):
    @property
    def settings(self) -> Settings: ...


@contextmanager
def _history(obj: _Obj) -> Iterator[History]:
    settings = obj.settings
    try:
        history = open_history(
            settings.database.url.get_secret_value(), settings.history.batch_rows
        )
        try:
            yield history
        finally:
            history.close()
    except (HistoryError, ArchiveFileError) as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("partitions")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_obj
def partitions(obj: _Obj, as_json: bool) -> None:
    """Create the coming months' partitions (history.partitions_ahead), then list every
    month of the history tables with its rows and size."""
    with _history(obj) as history:
        for name in history.create(obj.settings.history.partitions_ahead):
            click.echo(f"created {name}", err=True)
        for p in history.partitions():
            if as_json:
                click.echo(json.dumps(p.__dict__))
            else:
                size = "-" if p.bytes is None else f"{p.bytes / 1048576:.1f} MiB"
                click.echo(f"{p.table:<12} {p.month:<8} {p.name:<24} {p.rows:>12} rows {size:>12}")


@click.command("archive")
@click.option(
    "--older-than",
    default=None,
    help="Archive months older than this (6mo, 1y); default history.retention_months. "
    "Never less than the retention.",
)
@click.option(
    "--to",
    "folder",
    default="archive",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the gzip CSV files and the manifests.",
)
@click.pass_obj
def archive(obj: _Obj, older_than: str | None, folder: Path) -> None:
    """Export whole months older than the retention to gzip CSV with a manifest (rows,
    SHA-256), check the files, then remove those months from the database."""
    retention = obj.settings.history.retention_months
    try:
        months = retention if older_than is None else parse_age(older_than)
    except AgeError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    with _history(obj) as history:
        done = steps.archive(history, folder, months, retention, datetime.now(UTC))
    for manifest in done:
        rows = ", ".join(f"{e.table} {e.rows}" for e in manifest.entries)
        click.echo(f"archived {manifest.month} to {folder}: {rows}")
    if not done:
        click.echo(f"nothing older than {months} months to archive")


@click.command("restore-archive")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def restore_archive(obj: _Obj, manifest: Path) -> None:
    """Load an archived month back (its manifest's files, checked first) for an audit."""
    with _history(obj) as history:
        where = steps.restore(history, manifest)
    click.echo(f"restored {manifest.name} into {', '.join(where)}")
