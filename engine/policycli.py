"""``hisms audit``: the audit trail, read with filters.

Every change made through hisms (profiles, templates, the blacklist, words, signatures,
routing, channel and source modes) and every manual send, cancel and export has a row in
``sms_audit``; this lists them, newest first.
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import click

from hisms.engine import app
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import AuditFilter, Who


@contextlib.contextmanager
def opened(obj: Any) -> Iterator[Store]:
    store = app.store_for(obj.settings)
    try:
        yield store
    finally:
        store.close()


def operator() -> Who:
    """The person at the command line (the database tells where from)."""
    return Who(f"cli:{getpass.getuser()}", "hisms-cli")


@click.command("audit")
@click.option("--object", "obj", help="profile, template, blacklist, word, rule, channel, ...")
@click.option("--name", help="The object's key: a source system, a code, an entry id, ...")
@click.option("--actor", help="Who: cli:alice, ws:HIS, a worker id.")
@click.option("--action", help="create, update, delete, send, cancel, export, unsubscribe.")
@click.option("--since", type=click.DateTime(), help="Local time, inclusive.")
@click.option("--until", type=click.DateTime(), help="Local time, exclusive.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1))
@click.pass_obj
def audit(obj: Any, /, **given: Any) -> None:
    """The audit trail, newest first."""
    since, until = _local(given.pop("since")), _local(given.pop("until"))
    where = AuditFilter(object=given.pop("obj"), since=since, until=until, **given)
    with opened(obj) as store:
        rows = store.audit_trail(where)
    for r in rows:
        ip = f" from {r['client_ip']}" if r["client_ip"] else ""
        click.echo(
            f"{r['id']} {r['changed_at']} {r['actor']} ({r['caller'] or '-'}, "
            f"db {r['db_role']}{ip}) {r['action']} {r['object']} {r['name']}"
        )
        for side in ("before", "after"):
            if r[f"{side}_json"] is not None:
                click.echo(f"    {side}: {r[side + '_json']}")


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone() if value is not None else None  # the operator's local time
