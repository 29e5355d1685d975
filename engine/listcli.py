"""``hisms blacklist ...`` and ``hisms words ...``: the blacklist and the sensitive-word list
for operators.

Every change, import and export is audited in ``sms_audit`` under the OS user's name; a
change reaches every running engine within ``health.poll_seconds``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from hisms.carrier.wire.numbers import mask
from hisms.engine.phone import InvalidPhone
from hisms.engine.policy.blacklist import entry_row, read_file, utc_time, write_file
from hisms.engine.policy.wordfile import load_file
from hisms.engine.policycli import CATEGORIES, opened, operator


@click.group()
def blacklist() -> None:
    """Blocked numbers: add, remove, list, import and export Excel or CSV."""


@blacklist.command("add")
@click.argument("phone")
@click.option("--prefix", is_flag=True, help="PHONE is the leading digits of the numbers.")
@click.option("--source", "source_system", default="", help="Only this source system's.")
@click.option(
    "--service-number",
    default="",
    help="Only messages sent from this number: a channel's src_number and the source's ext.",
)
@click.option(
    "--category",
    "categories",
    type=CATEGORIES,
    multiple=True,
    help="Only these categories (repeat); none: every message, critical values too.",
)
@click.option("--reason", default="")
@click.option("--expire-at", type=click.DateTime(), help="Local time it stops applying.")
@click.pass_obj
def blacklist_add(obj: Any, /, **given: Any) -> None:
    """Block a number (or prefix); prints the entry's id."""
    expire_at: datetime | None = given.pop("expire_at")
    categories = ",".join(given.pop("categories"))
    try:
        row = entry_row(
            **given, categories=categories, expire_at=expire_at.astimezone() if expire_at else None
        )
    except (ValueError, InvalidPhone) as exc:
        raise click.BadParameter(str(exc)) from None
    with opened(obj) as store:
        (entry_id,) = store.add_blacklist([row], operator())
    click.echo(entry_id)


@blacklist.command("remove")
@click.argument("entry_id", type=int)
@click.pass_obj
def blacklist_remove(obj: Any, entry_id: int) -> None:
    """Remove an entry by its id."""
    with opened(obj) as store:
        if not store.remove_blacklist(entry_id, operator()):
            raise click.ClickException(f"no blacklist entry {entry_id}")
    click.echo(f"removed blacklist entry {entry_id}")


@blacklist.command("list")
@click.pass_obj
def blacklist_list(obj: Any) -> None:
    """Every entry, expired ones too; numbers masked, times local."""
    with opened(obj) as store:
        rows = store.load_policy().blacklist
    for r in rows:
        number = f"{r['phone']}*" if r["prefix"] else mask(r["phone"])
        expire = utc_time(r["expire_at"])
        shown = {**r, "expire_at": f"{expire.astimezone():%Y-%m-%d %H:%M:%S}" if expire else None}
        scope = " ".join(
            f"{k}={shown[k]}"
            for k in ("source_system", "service_number", "categories", "expire_at")
            if shown[k]
        )
        click.echo(f"{r['id']} {number} {scope or 'all traffic'} {r['reason'] or ''}".rstrip())


@blacklist.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def blacklist_import(obj: Any, path: Path) -> None:
    """Add the entries of an Excel (.xlsx) or CSV file (first row: phone, prefix,
    source_system, service_number, categories, reason, expire_at; phone required). A wrong
    line adds nothing and is named."""
    try:
        rows = read_file(path)
    except (ValueError, InvalidPhone, UnicodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    with opened(obj) as store:
        ids = store.add_blacklist(rows, operator())
        store.audit(operator(), "import", "blacklist", str(path), None, {"entries": len(ids)})
    click.echo(f"imported {len(ids)} entries from {path}")


@blacklist.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.pass_obj
def blacklist_export(obj: Any, path: Path) -> None:
    """Write every entry to an Excel file (PATH ending .xlsx) or else a CSV file (numbers
    in full: the export is audited)."""
    with opened(obj) as store:
        rows = store.load_policy().blacklist
        write_file(rows, path)
        store.audit(operator(), "export", "blacklist", str(path), None, {"entries": len(rows)})
    click.echo(f"exported {len(rows)} entries to {path}")


@click.group()
def words() -> None:
    """The sensitive-word list and the allowed (medical) terms."""


@words.command("add")
@click.argument("word")
@click.option("--allow", is_flag=True, help="An allowed term: a sensitive word inside it is none.")
@click.option("--note")
@click.pass_obj
def words_add(obj: Any, word: str, allow: bool, note: str | None) -> None:
    row = {"word": word, "allow": int(allow), "note": note}
    with opened(obj) as store:
        changed = store.put_policy("word", row, operator())
    click.echo(
        f"{'allowed term' if allow else 'word'} {word}: {'added' if changed else 'unchanged'}"
    )


@words.command("remove")
@click.argument("word")
@click.pass_obj
def words_remove(obj: Any, word: str) -> None:
    with opened(obj) as store:
        if not store.delete_policy("word", word, operator()):
            raise click.ClickException(f"no word {word!r}")
    click.echo(f"removed {word}")


@words.command("list")
@click.pass_obj
def words_list(obj: Any) -> None:
    """Every word; allowed terms marked."""
    with opened(obj) as store:
        rows = store.load_policy().words
    for r in rows:
        click.echo(f"{r['word']}{' (allowed)' if r['allow'] else ''}")


@words.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def words_load(obj: Any, path: Path) -> None:
    """Make the words loaded from this file (one a line) be its lines: add the new ones,
    remove those taken out of it; words added by hand stay."""
    with opened(obj) as store:
        added, removed = load_file(store, path, operator())
    click.echo(f"{path}: {added} words added, {removed} removed")
