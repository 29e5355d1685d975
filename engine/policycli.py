"""``hisms audit``, ``hisms source ...`` and ``hisms template ...``: the audit trail, source
profiles and templates for operators.

Every change made through hisms (profiles, templates, the blacklist, words, signatures,
routing, channel and source modes) and every manual send, cancel and export has a row in
``sms_audit``; ``hisms audit`` lists them, newest first. A change reaches every running
engine within ``health.poll_seconds`` (the engines reload the policy tables when they change).
"""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import click
import pydantic

from hisms.adapters.his import SourceProfile
from hisms.adapters.his.profiles import NO_PROFILE
from hisms.engine import app
from hisms.engine.policy.templates import Template
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import AuditFilter, Who

CATEGORIES = click.Choice(["transactional", "notice", "marketing"])


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


@click.group()
def source() -> None:
    """Source-system profiles: signature, extension, priority, category, policies."""


@source.command("list")
@click.pass_obj
def source_list(obj: Any) -> None:
    """Every profile, the database's over the configuration's."""
    with opened(obj) as store:
        stored = {r["source_system"]: SourceProfile.of_row(r) for r in store.load_policy().profiles}
    profiles = {**obj.settings.sources, **stored}
    for name in sorted(profiles):
        where = "database" if name in stored else "configuration"
        fields = " ".join(f"{k}={_shown(v)}" for k, v in profiles[name].model_dump().items())
        click.echo(f"{name} ({where}): {fields}")


def _shown(value: Any) -> Any:
    """A field as ``source list`` prints it: a template list comma-separated, ``*`` for any."""
    return ",".join(value) or "*" if isinstance(value, tuple | list) else value


@source.command("set")
@click.argument("name")
@click.option("--signature", help="Without 【】; an empty text: the default signature.")
@click.option("--signature-at", type=click.Choice(["start", "end"]))
@click.option("--ext", help="Sender extension: replies to it belong to this source.")
@click.option("--priority", type=click.IntRange(0, 9), help="For messages given none.")
@click.option("--account")
@click.option("--dept", "dept_code")
@click.option("--category", type=CATEGORIES)
@click.option("--blacklist/--no-blacklist", default=None, help="Whether the blacklist applies.")
@click.option("--words", type=click.Choice(["reject", "mask", "off"]))
@click.option("--duplicate-seconds", type=click.IntRange(0))
@click.option(
    "--templates",
    help="Template codes its messages may use, comma-separated; an empty text: any.",
)
@click.pass_obj
def source_set(obj: Any, /, name: str, **given: Any) -> None:
    """Change the given fields of a source's profile (the others stay as they are)."""
    changes = {k: v for k, v in given.items() if v is not None}
    with opened(obj) as store:
        row = store.policy_row("profile", name)
        current = SourceProfile.of_row(row) if row else obj.settings.sources.get(name, NO_PROFILE)
        try:
            profile = SourceProfile(**{**current.model_dump(), **changes})
        except pydantic.ValidationError as exc:
            raise click.BadParameter(str(exc)) from None
        changed = store.put_policy("profile", profile.row(name), operator())
    click.echo(f"source {name}: {'changed' if changed else 'unchanged'}")


@click.group()
def template() -> None:
    """Templates: texts with {named} variables; only approved ones are sent."""


@template.command("add")
@click.argument("code")
@click.argument("body")
@click.option("--category", type=CATEGORIES, default="notice", show_default=True)
@click.option("--note")
@click.option("--approved", is_flag=True, help="Approved at once (else a DRAFT to approve).")
@click.pass_obj
def template_add(
    obj: Any, code: str, body: str, category: str, note: str | None, approved: bool
) -> None:
    """Add a template, or replace the text of one (which makes it a draft again)."""
    state = "APPROVED" if approved else "DRAFT"
    row = {"code": code, "body": body, "category": category, "state": state, "note": note}
    with opened(obj) as store:
        store.put_policy("template", row, operator())
    variables = ", ".join(sorted(Template.of_row(row).variables())) or "none"
    click.echo(f"template {code}: {state}, variables {variables}")


@template.command("approve")
@click.argument("code")
@click.pass_obj
def template_approve(obj: Any, code: str) -> None:
    """Approve a template: messages may use it from now on."""
    with opened(obj) as store:
        row = store.policy_row("template", code)
        if row is None:
            raise click.ClickException(f"no template {code!r}")
        store.put_policy("template", {**row, "state": "APPROVED"}, operator())
    click.echo(f"template {code}: APPROVED")


@template.command("list")
@click.pass_obj
def template_list(obj: Any) -> None:
    """Every template with its state and category."""
    with opened(obj) as store:
        rows = store.load_policy().templates
    for r in rows:
        click.echo(f"{r['code']} {r['state']} {r['category']}: {r['body']}")
