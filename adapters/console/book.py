"""The address book (通讯录): contacts and contact groups with search and paging, an import
of an Excel or CSV file, an export to Excel. A department user sees and changes only its
department's contacts and groups, whatever the URL says; an auditor reads only."""

from __future__ import annotations

import logging
import math
import re
import shutil
import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console import bookfile
from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, Forbidden, page, who
from hisms.engine.store.bookstore import HOSPITAL, BookError, ContactFilter, Imported
from hisms.engine.store.policystore import Who

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNREADABLE = "无法读取文件：不是有效的 Excel（.xlsx）文件，或 CSV 既非 UTF-8 也非 GB18030 编码"
IMPORTS: dict[str, tuple[str, Imported, bookfile.Reading]] = {}  # by id: (owner, counts, rows)
KEPT_IMPORTS = 50  # the newest imports whose results stay downloadable


def _text(form: FormData, key: str) -> str:
    return str(form.get(key) or "").strip()


def _ints(form: FormData, key: str) -> list[int]:
    return [int(v) for v in form.getlist(key) if isinstance(v, str) and v.isdigit()]


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _dept(user: User, given: str | None) -> str:
    """The department a change is for: a department user's own, else the one given."""
    return user.scope or (given or "").strip() or HOSPITAL


def _mine(user: User, row: dict[str, Any] | None) -> dict[str, Any]:
    """The row if the user may see it; else 403 (another department's: as if absent)."""
    if row is None or (user.scope and row["dept_code"] != user.scope):
        raise Forbidden("another department's contact or group")
    return row


def _filter(request: Request, user: User) -> ContactFilter:
    q = request.query_params
    typed = re.sub(r"[\s\-]", "", q.get("phone") or "")
    number, _ = bookfile.phone_problem(typed)  # +86 138... as stored; a part as typed
    return ContactFilter(
        dept_code=user.scope or (q.get("dept_code") or "").strip() or None,
        name=(q.get("name") or "").strip() or None,
        phone=number or typed or None,
        group_id=_int(q.get("group_id")),
    )


def _listing(
    console: Console, where: ContactFilter, number: int, scope: str | None
) -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
    """Page ``number`` of the contacts, how many match, the groups the user may see."""
    rows = console.store.contacts(
        where, console.cfg.page_rows, (number - 1) * console.cfg.page_rows
    )
    total = console.store.count_contacts(where)
    return rows, total, console.store.contact_groups(scope)


async def _index(
    console: Console, request: Request, user: User, error: str | None = None
) -> Response:
    where = _filter(request, user)
    q = request.query_params
    number = max(1, _int(q.get("page")) or 1)
    rows, total, groups = await console.db(_listing, console, where, number, user.scope)
    pages = max(1, math.ceil(total / console.cfg.page_rows))
    query = {k: v for k, v in q.items() if k != "page"}
    link = {n: urlencode({**query, "page": n}) for n in (number - 1, number + 1)}
    return console.render(request, "book.html", 400 if error else 200, user=user, rows=rows,
                          total=total, groups=groups, q=q, page=number, pages=pages, link=link,
                          query=urlencode(query), error=error, hospital=HOSPITAL)  # fmt: skip


@page("read")
async def index(console: Console, request: Request, user: User) -> Response:
    return await _index(console, request, user)


@page("read")
async def export(console: Console, request: Request, user: User) -> Response:
    where = _filter(request, user)
    rows = await console.db(console.store.all_contacts, where, console.cfg.export_rows)
    shown = {k: str(v) for k, v in where.params().items() if v is not None and k != "phone"}
    await console.db(console.store.audit, who(request, user), "export", "contact",
                     f"{len(rows)} rows", None, shown)  # fmt: skip
    name = f"contacts-{datetime.now(ZoneInfo(console.zone)):%Y%m%d-%H%M%S}.xlsx"
    return Response(bookfile.workbook(rows, console.zone), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _contact_row(form: FormData, user: User) -> tuple[dict[str, Any], str | None]:
    """The contact the form describes, or why it cannot be one."""
    name, raw, note = _text(form, "name"), _text(form, "phone"), _text(form, "note")
    number, why = bookfile.phone_problem(raw)
    row = {"dept_code": _dept(user, _text(form, "dept_code")), "name": name, "phone": number,
           "note": note or None}  # fmt: skip
    if not name or len(name) > bookfile.NAME_LENGTH:
        return row, f"请填写姓名（最多 {bookfile.NAME_LENGTH} 个字）"
    if why:
        return row, f"手机号码“{raw[:20]}”有误：{why}"
    if len(note) > 200:
        return row, "备注最多 200 个字"
    return row, None


@page("book")
async def add(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    row, problem = _contact_row(form, user)
    group_id = _int(_text(form, "group_id"))
    try:
        if problem:
            raise BookError(problem)
        if group_id is not None:
            _same_dept(_mine(user, await console.db(console.store.contact_group, group_id)), row)
        groups = [group_id] if group_id is not None else []
        await console.db(console.store.save_contact, {**row, "id": None}, groups,
                         who(request, user))  # fmt: skip
    except BookError as exc:
        return await _index(console, request, user, str(exc))
    return console.redirect("/book")


def _same_dept(group: dict[str, Any], row: dict[str, Any]) -> None:
    if group["dept_code"] != row["dept_code"]:
        raise BookError(f"分组“{group['name']}”不属于科室 {row['dept_code']}")


async def _contact_page(
    console: Console, request: Request, user: User, error: str | None = None
) -> Response:
    contact = _mine(user, await console.db(console.store.contact, _key(request)))
    groups = await console.db(console.store.contact_groups, contact["dept_code"])
    return console.render(request, "book_contact.html", 400 if error else 200, user=user,
                          c=contact, groups=groups, error=error, hospital=HOSPITAL)  # fmt: skip


def _key(request: Request, name: str = "id") -> int:
    return int(request.path_params[name])


@page("read")
async def contact(console: Console, request: Request, user: User) -> Response:
    return await _contact_page(console, request, user)


@page("book")
async def save(console: Console, request: Request, user: User) -> Response:
    _mine(user, await console.db(console.store.contact, _key(request)))
    form = await request.form()
    row, problem = _contact_row(form, user)
    groups = _ints(form, "group_id")
    try:
        if problem:
            raise BookError(problem)
        await console.db(console.store.save_contact, {**row, "id": _key(request)}, groups,
                         who(request, user))  # fmt: skip
    except BookError as exc:
        return await _contact_page(console, request, user, str(exc))
    return console.redirect("/book")


@page("book")
async def delete(console: Console, request: Request, user: User) -> Response:
    _mine(user, await console.db(console.store.contact, _key(request)))
    await console.db(console.store.delete_contact, _key(request), who(request, user))
    return console.redirect("/book")


@page("book")
async def group_add(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    name = _text(form, "name")
    try:
        _group_name(name)
        dept = _dept(user, _text(form, "dept_code"))
        await console.db(console.store.save_contact_group, None, dept, name, who(request, user))
    except BookError as exc:
        return await _index(console, request, user, str(exc))
    return console.redirect("/book")


def _group_name(name: str) -> None:
    if not name or len(name) > bookfile.NAME_LENGTH:
        raise BookError(f"请填写分组名称（最多 {bookfile.NAME_LENGTH} 个字）")


@page("book")
async def group_rename(console: Console, request: Request, user: User) -> Response:
    group = _mine(user, await console.db(console.store.contact_group, _key(request)))
    name = _text(await request.form(), "name")
    try:
        _group_name(name)
        await console.db(console.store.save_contact_group, group["id"], group["dept_code"],
                         name, who(request, user))  # fmt: skip
    except BookError as exc:
        return await _index(console, request, user, str(exc))
    return console.redirect("/book")


@page("book")
async def group_delete(console: Console, request: Request, user: User) -> Response:
    _mine(user, await console.db(console.store.contact_group, _key(request)))
    await console.db(console.store.delete_contact_group, _key(request), who(request, user))
    return console.redirect("/book")


@page("book")
async def members(console: Console, request: Request, user: User) -> Response:
    """Put the ticked contacts in a group, or take them out."""
    form = await request.form()
    group_id = _int(_text(form, "group_id"))
    ids = _ints(form, "contact")
    try:
        if group_id is None or not ids:
            raise BookError("请勾选联系人并选择分组")
        _mine(user, await console.db(console.store.contact_group, group_id))
        adding = _text(form, "action") != "remove"
        await console.db(console.store.set_members, group_id, ids, adding, who(request, user))
    except BookError as exc:
        return await _index(console, request, user, str(exc))
    return console.redirect(f"/book?group_id={group_id}")


@page("book")
async def import_form(console: Console, request: Request, user: User) -> Response:
    return console.render(request, "book_import.html", user=user, hospital=HOSPITAL)


@page("book")
async def import_file(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    upload = form.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if isinstance(upload, UploadFile) else ""
    if not isinstance(upload, UploadFile) or suffix not in (".xlsx", ".csv"):
        return console.render(request, "book_import.html", 400, user=user, hospital=HOSPITAL,
                              error="请选择 Excel（.xlsx）或 CSV 文件")  # fmt: skip
    dept = _dept(user, _text(form, "dept_code"))
    try:
        done, reading = await console.db(_import, console, upload, dept, who(request, user))
    except bookfile.Unreadable as exc:
        log.info("contact import %r unreadable: %s", upload.filename, exc)
        return console.render(request, "book_import.html", 400, user=user, hospital=HOSPITAL,
                              error=UNREADABLE)  # fmt: skip
    finally:
        await upload.close()
    job = uuid.uuid4().hex
    IMPORTS[job] = (user.username, done, reading)
    for old in list(IMPORTS)[:-KEPT_IMPORTS]:
        del IMPORTS[old]
    return console.redirect(f"/book/import/{job}")


def _import(
    console: Console, upload: UploadFile, dept: str, actor: Who
) -> tuple[Imported, bookfile.Reading]:
    upload.file.seek(0)
    suffix = Path(upload.filename or "").suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        shutil.copyfileobj(upload.file, f)
        f.flush()
        reading = bookfile.read(Path(f.name))
    return console.store.import_contacts(dept, reading.entries, actor), reading


def _imported(request: Request, user: User) -> tuple[Imported, bookfile.Reading]:
    found = IMPORTS.get(str(request.path_params["job"]))
    if found is None or found[0] != user.username:
        raise Forbidden("not this user's import")
    return found[1], found[2]


@page("book")
async def import_result(console: Console, request: Request, user: User) -> Response:
    done, reading = _imported(request, user)
    return console.render(request, "book_import.html", user=user, hospital=HOSPITAL, done=done,
                          reading=reading, job=request.path_params["job"])  # fmt: skip


@page("book")
async def import_errors(console: Console, request: Request, user: User) -> Response:
    _, reading = _imported(request, user)
    attachment = (
        f'attachment; filename="contacts-left-out-{str(request.path_params["job"])[:8]}.csv"'
    )
    return Response(bookfile.left_out_csv(reading.left_out), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment})  # fmt: skip


ROUTES = [
    ("/book", index, ["GET"]),
    ("/book", add, ["POST"]),
    ("/book.xlsx", export, ["GET"]),
    ("/book/{id:int}", contact, ["GET"]),
    ("/book/{id:int}", save, ["POST"]),
    ("/book/{id:int}/delete", delete, ["POST"]),
    ("/book/groups", group_add, ["POST"]),
    ("/book/groups/{id:int}", group_rename, ["POST"]),
    ("/book/groups/{id:int}/delete", group_delete, ["POST"]),
    ("/book/members", members, ["POST"]),
    ("/book/import", import_form, ["GET"]),
    ("/book/import", import_file, ["POST"]),
    ("/book/import/{job}", import_result, ["GET"]),
    ("/book/import/{job}/errors.csv", import_errors, ["GET"]),
]
