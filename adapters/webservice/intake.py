"""What the SOAP operations do, free of SOAP: checks, then store calls.

Every check runs before anything is written, so a refused request leaves no row.
"""

from __future__ import annotations

import itertools
import json
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import IO, Any, TypeVar

from hisms.adapters.webservice.faults import Refused
from hisms.adapters.webservice.grouped import Grouped
from hisms.adapters.webservice.security import Caller
from hisms.engine import phone
from hisms.engine.status import Status
from hisms.engine.store.base import NewMessage, Store

T = TypeVar("T")
# Characters each field may hold: its sms_outbox column on the narrowest dialect (Content:
# Oracle's NVARCHAR2(2000)). Longer would fail the INSERT; it is refused before.
WIDTHS = {
    "SourceRef": 64,
    "Account": 32,
    "Dept": 32,
    "Signature": 32,
    "Content": 2000,
    "TemplateCode": 64,
    "Params": 4000,  # Oracle's JSON_TABLE column of enqueue
}
MAX_BATCH_REF = 50  # leaves room for "#position" in source_ref
SPOOL_BYTES = 8 * 1024 * 1024  # checked batch rows kept in memory before a temporary file
_SPOOLED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # dumps makes one a call


@dataclass(frozen=True, slots=True)
class Item:
    phone: str | None
    content: str | None = None
    source_ref: str | None = None
    params: str | None = None  # this number's template variables, over the batch's Params


def required(name: str, value: T | None) -> T:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Refused("Client.MissingField", f"required field {name} is missing or empty")
    return value


def valid_phone(raw: str | None, where: str = "Phone") -> str:
    try:
        return phone.normalise(required(where, raw))
    except phone.InvalidPhone as exc:
        raise Refused("Client.InvalidPhone", f"{where}: {exc.text} ({exc.code})") from exc


def source_for(caller: Caller, requested: str | None) -> str:
    source = (requested or "").strip() or caller.sources[0]
    if source not in caller.sources:
        raise Refused(
            "Client.Forbidden", f"caller {caller.name} may not act for source system {source}"
        )
    return source


def fits(field: str, value: str | None, where: str = "") -> None:
    """Refused naming the field when ``value`` is longer than its column."""
    width = WIDTHS[field]
    if value is not None and len(value) > width:
        raise Refused(
            "Client.InvalidField",
            f"{where}{field} is {len(value)} characters, more than its {width}",
        )


def checked(message: NewMessage) -> NewMessage:
    """The message with its number normalised, or Refused naming the wrong field. A
    template's variables are checked by the engine (a wrong one is REJECTED naming it)."""
    if message.template_code is None:
        required("Content", message.content)
    elif message.content is not None:
        raise Refused("Client.InvalidField", "give Content or TemplateCode, not both")
    if message.priority is not None and not 0 <= message.priority <= 9:
        raise Refused("Client.InvalidField", f"Priority {message.priority} is not within 0..9")
    fits("SourceRef", message.source_ref)
    fits("Account", message.account)
    fits("Dept", message.dept_code)
    fits("Signature", message.signature)
    fits("Content", message.content)
    fits("TemplateCode", message.template_code)
    fits("Params", message.params)
    return replace(
        message,
        phone=valid_phone(message.phone),
        send_at=_aware(message.send_at),
        expire_at=_aware(message.expire_at),
    )


def send_one(
    store: Store, caller: Caller, message: NewMessage, grouped: Grouped | None = None
) -> int:
    """The message's outbox id once committed (``grouped``: with other requests' rows)."""
    message = checked(replace(message, source_system=source_for(caller, message.source_system)))
    return (grouped or store).enqueue([message], actor=caller.actor)[0]


def send_batch(
    store: Store,
    caller: Caller,
    common: NewMessage,
    batch_ref: str | None,
    items: Iterable[Item],
    chunk: int,
    before_writing: Callable[[], None] = lambda: None,
) -> tuple[str, int, int]:
    """Check every number, then insert in chunks; (batch id, items, rows inserted now).

    ``items`` may be a stream: checked rows wait in a spool (in memory up to
    :data:`SPOOL_BYTES`, then a temporary file), not as Python objects, so a 600,000-number
    batch costs a few bytes per number. ``before_writing`` runs once all are checked (the
    JSON API checks the body's signature there): whatever it raises, nothing is written.
    """
    if batch_ref and len(batch_ref) > MAX_BATCH_REF:
        raise Refused("Client.InvalidField", f"BatchRef is longer than {MAX_BATCH_REF} characters")
    common = replace(common, source_system=source_for(caller, common.source_system))
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8") as spool:
        base, total = _spool_checked(common, batch_ref, iter(items), spool)
        before_writing()
        spool.seek(0)
        rows = (json.loads(line) for line in spool)
        messages = (
            replace(base, phone=p, source_ref=r, content=c, template_code=t, params=v)
            for p, r, c, t, v in rows
        )
        first = next(messages)
        ref = first.source_ref
        known = store.batch_of_ref(base.source_system, ref) if ref else None
        batch_id = known or uuid.uuid4().hex
        parts = _chunks(itertools.chain([first], messages), chunk)
        accepted = sum(store.enqueue_batch(batch_id, part, caller.actor) for part in parts)
    return batch_id, total, accepted


def _spool_checked(
    common: NewMessage, batch_ref: str | None, items: Iterator[Item], spool: IO[str]
) -> tuple[NewMessage, int]:
    """Each number checked and written to ``spool`` as [phone, source_ref, content,
    template_code, params]: the item's own Content, else the batch's template with the
    batch's Params and the item's over them, else the batch's Content. The message they
    share and how many there were."""
    template = common.template_code
    if common.params is not None and template is None:
        raise Refused("Client.InvalidField", "Params needs TemplateCode")
    head = next(items, None)
    if head is None:
        raise Refused("Client.MissingField", "required field Items is missing or empty")
    shared = _params_object(common.params, "Params") if template else {}
    first = common.content or (None if template else head.content)
    base = checked(replace(common, phone=head.phone, content=first))
    total = 0
    for position, item in enumerate(itertools.chain([head], items), 1):
        where = f"Items[{position}]."
        fits("SourceRef", item.source_ref, where)
        ref = item.source_ref or (f"{batch_ref}#{position}" if batch_ref else None)
        number = valid_phone(item.phone, f"{where}Phone")
        content, template, params = _batch_text(common, item, shared, where)
        spool.write(_SPOOLED.encode([number, ref, content, template, params]) + "\n")
        total = position
    return base, total


def _batch_text(
    common: NewMessage, item: Item, shared: dict[str, Any], where: str
) -> tuple[str | None, str | None, str | None]:
    """The content, template_code and params of one item of a batch."""
    if item.content and item.params is not None:
        raise Refused("Client.InvalidField", f"{where[:-1]} gives Content and Params: one of them")
    if item.content:
        fits("Content", item.content, where)
        return item.content, None, None
    if common.template_code:
        own = _params_object(item.params, f"{where}Params")
        params = json.dumps({**shared, **own}, ensure_ascii=False)
        fits("Params", params, where)
        return None, common.template_code, params
    if item.params is not None:
        raise Refused("Client.InvalidField", f"{where}Params needs the batch's TemplateCode")
    if not common.content:
        raise Refused("Client.MissingField", f"{where[:-1]} has no Content and the batch neither")
    return common.content, None, None


def _params_object(text: str | None, field: str) -> dict[str, Any]:
    """Template variables given as a JSON object (absent: none); what they hold is the
    engine's to check against the template."""
    if text is None or not text.strip():
        return {}
    try:
        values = json.loads(text)
    except ValueError as exc:
        raise Refused("Client.InvalidField", f"{field} is not JSON: {exc}") from None
    if not isinstance(values, dict):
        raise Refused("Client.InvalidField", f"{field} is not a JSON object")
    return values


def _chunks(messages: Iterable[NewMessage], size: int) -> Iterable[Sequence[NewMessage]]:
    it = iter(messages)
    while part := list(itertools.islice(it, size)):
        yield part


def query_status(
    store: Store,
    caller: Caller,
    ids: Sequence[int],
    source: str | None,
    refs: Sequence[str],
    most: int = 1000,
) -> list[dict[str, Any]]:
    """Messages by id and/or by reference (``most`` in all), of the caller's source systems."""
    if not ids and not refs:
        raise Refused("Client.MissingField", "give MsgIds, or SourceSystem with SourceRefs")
    if len(ids) + len(refs) > most:
        raise Refused(
            "Client.TooMany",
            f"QueryStatus takes at most {most} MsgIds and SourceRefs, got {len(ids) + len(refs)}:"
            " ask in several calls",
        )
    keyed = [(source_for(caller, source), r) for r in refs]
    rows = store.find_messages(ids=list(ids), refs=keyed)
    return [r for r in rows if r["source_system"] in caller.sources]


def cancel(
    store: Store,
    caller: Caller,
    outbox_id: int | None,
    source: str | None,
    ref: str | None,
    reason: str | None,
) -> dict[str, Any]:
    row = one(store, caller, outbox_id, source, ref)
    text = (reason or "").strip()[:400] or "cancelled by the caller"
    if not store.cancel(row["id"], caller.actor, f"cancelled by {caller.name}: {text}"):
        now = one(store, caller, row["id"], None, None)
        raise Refused(
            "Client.NotCancellable",
            f"message {row['id']} is {now['status_name']}; only PENDING messages can be cancelled",
        )
    return one(store, caller, row["id"], None, None)


def one(
    store: Store, caller: Caller, outbox_id: int | None, source: str | None, ref: str | None
) -> dict[str, Any]:
    if outbox_id is None and not ref:
        raise Refused("Client.MissingField", "give MsgId, or SourceSystem with SourceRef")
    found = query_status(
        store,
        caller,
        [outbox_id] if outbox_id is not None else [],
        source,
        [ref] if ref and outbox_id is None else [],
    )
    if not found:
        what = f"id {outbox_id}" if outbox_id is not None else f"reference {ref}"
        raise Refused("Client.NotFound", f"no message with {what} for caller {caller.name}")
    return found[0]


def replies(
    store: Store,
    caller: Caller,
    source: str | None,
    cursor: int | None,
    limit: int | None,
    page: int = 1000,
) -> tuple[list[dict[str, Any]], int]:
    """MO after the cursor (``limit``, at most ``page``), now CONSUMED; the next cursor."""
    size = min(max(limit or 100, 1), page)
    rows = store.take_replies(source_for(caller, source), cursor or 0, size, caller.actor)
    return rows, (rows[-1]["id"] if rows else cursor or 0)


def status_name(code: int) -> str:
    return str(Status(code).name)


def as_datetime(value: Any) -> datetime | None:
    """A timestamp from either store: PostgreSQL gives datetimes, SQLite UTC text."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.astimezone() if value is not None else None  # naive = server local time
