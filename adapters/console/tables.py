"""List-and-form pages over the tables other parts of hisms own: templates, the blacklist,
sensitive words, source profiles, channel modes, alarms, the audit trail and the console's
users. Every change goes through the store's audited operations; nothing is re-implemented.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.users import Role, User, UserError
from hisms.adapters.console.web import Console, Forbidden, page, who
from hisms.adapters.his import SourceProfile
from hisms.adapters.his.profiles import NO_PROFILE
from hisms.engine import phone
from hisms.engine.policy import blacklist as blackfile
from hisms.engine.store.policystore import AuditFilter
from hisms.monitoring.rulebook import KEYS, Book, assign

MODES = ("ENABLED", "DISABLED", "DRAINING")
CATEGORIES = ("transactional", "notice", "marketing")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATES = ("DRAFT", "APPROVED", "DISABLED")


def _text(form: FormData, key: str) -> str:
    return str(form.get(key) or "").strip()


async def _listing(
    console: Console, request: Request, user: User, name: str, error: str | None = None
) -> Response:
    data = await console.db(LISTS[name], console)
    return console.render(request, f"{name}.html", 400 if error else 200, user=user,
                          error=error, **data)  # fmt: skip


def _policy(console: Console) -> dict[str, Any]:
    p = console.store.load_policy()
    return {"templates": p.templates, "blacklist": p.blacklist, "words": p.words,
            "profiles": p.profiles}  # fmt: skip


def _channels(console: Console) -> dict[str, Any]:
    modes = {m["channel"]: m for m in console.store.channel_modes()}
    states = console.store.channel_states()
    names = sorted({s["channel"] for s in states} | set(modes))
    return {"names": names, "states": states, "modes": modes, "choices": MODES}


def _alarms(console: Console) -> dict[str, Any]:
    since = datetime.now(UTC) - timedelta(days=1)
    rows = {r["name"]: r for r in console.store.alarm_rules()}
    rules = [
        {"name": name, "enabled": s.enabled, "repeat_seconds": s.repeat_seconds,
         "values": " ".join(f"{k}={getattr(s.cfg, k):g}" for k in KEYS[name]),
         "row": rows.get(name)}
        for name, s in Book(console.alarms, rows.values()).settings.items()
    ]  # fmt: skip
    return {"events": console.store.recent_alarms(since, 200), "rules": rules}


def _users(console: Console) -> dict[str, Any]:
    return {"people": console.users.all(), "roles_list": list(Role)}


LISTS = {
    "templates": _policy, "blacklist": _policy, "words": _policy, "profiles": _policy,
    "channels": _channels, "alarms": _alarms, "users": _users,
}  # fmt: skip


@page("read")
async def templates(console: Console, request: Request, user: User) -> Response:
    return await _listing(console, request, user, "templates")


@page("edit")
async def template_save(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    code, body = _text(form, "code"), _text(form, "body")
    category, state = _text(form, "category") or "notice", _text(form, "state") or "DRAFT"
    if not code or not body or category not in CATEGORIES or state not in STATES:
        return await _listing(console, request, user, "templates", "模板编码与内容必填")
    row = {"code": code[:64], "body": body, "category": category, "state": state,
           "note": _text(form, "note") or None}  # fmt: skip
    await console.db(console.store.put_policy, "template", row, who(request, user))
    return console.redirect("/templates")


@page("edit")
async def template_delete(console: Console, request: Request, user: User) -> Response:
    code = str(request.path_params["key"])
    await console.db(console.store.delete_policy, "template", code, who(request, user))
    return console.redirect("/templates")


@page("read")
async def blacklist(console: Console, request: Request, user: User) -> Response:
    return await _listing(console, request, user, "blacklist")


@page("edit")
async def blacklist_add(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    try:
        expire_at = _expiry(_text(form, "expire_at"), console.zone)
    except ValueError as exc:
        return await _listing(console, request, user, "blacklist", f"到期时间有误：{exc}")
    try:  # checked as `hisms blacklist add` checks it: the number or prefix, the categories
        entry = blackfile.entry_row(
            _text(form, "phone"),
            prefix=form.get("prefix") == "1",
            source_system=_text(form, "source_system"),
            service_number=_text(form, "service_number"),
            categories=_text(form, "categories").replace("，", ","),
            reason=_text(form, "reason")[:200],
            expire_at=expire_at,
        )
    except phone.InvalidPhone as exc:
        return await _listing(console, request, user, "blacklist", f"号码有误：{exc.text}")
    except ValueError as exc:
        return await _listing(console, request, user, "blacklist", f"有误：{exc}")
    await console.db(console.store.add_blacklist, [entry], who(request, user))
    return console.redirect("/blacklist")


def _expiry(text: str, zone: str) -> datetime | None:
    """The form's 到期时间 (a datetime-local field: the hospital's time zone) as an aware
    time, which ``entry_row`` stores as ``hisms blacklist add --expire-at`` does; it must
    be later than now (an entry that expired already would block nothing)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text[:40]!r} 不是日期时间（如 2026-12-31T18:00）") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(zone))
    if when <= datetime.now(UTC):
        raise ValueError(f"{when:%Y-%m-%d %H:%M} 已经过去")
    return when


@page("edit")
async def blacklist_export(console: Console, request: Request, user: User) -> Response:
    """Every entry as ``hisms blacklist export`` writes it: Excel, or CSV with
    ``?format=csv``; numbers in full, so audited."""
    suffix = ".csv" if request.query_params.get("format") == "csv" else ".xlsx"
    name = f"blacklist-{datetime.now(ZoneInfo(console.zone)):%Y%m%d-%H%M%S}{suffix}"
    body, count = await console.db(_export_blacklist, console, suffix)
    await console.db(console.store.audit, who(request, user), "export", "blacklist", name,
                     None, {"entries": count})  # fmt: skip
    media = "text/csv; charset=utf-8" if suffix == ".csv" else XLSX
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _export_blacklist(console: Console, suffix: str) -> tuple[bytes, int]:
    rows = console.store.load_policy().blacklist
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"blacklist{suffix}"
        blackfile.write_file(rows, path)
        return path.read_bytes(), len(rows)


@page("edit")
async def blacklist_import(console: Console, request: Request, user: User) -> Response:
    """Add the entries of an Excel or CSV file as ``hisms blacklist import`` does: a wrong
    line adds nothing and is named."""
    form = await request.form()
    upload = form.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if isinstance(upload, UploadFile) else ""
    if not isinstance(upload, UploadFile) or suffix not in (".xlsx", ".csv"):
        return await _listing(console, request, user, "blacklist",
                              "请选择 Excel（.xlsx）或 CSV 文件")  # fmt: skip
    try:
        rows = await console.db(_read_upload, upload, suffix)
    except (ValueError, phone.InvalidPhone, UnicodeError) as exc:
        why = exc.text if isinstance(exc, phone.InvalidPhone) else str(exc)
        return await _listing(console, request, user, "blacklist", f"文件未导入：{why}"[:300])
    finally:
        await upload.close()
    actor = who(request, user)
    ids = await console.db(console.store.add_blacklist, rows, actor)
    await console.db(console.store.audit, actor, "import", "blacklist",
                     upload.filename or "upload", None, {"entries": len(ids)})  # fmt: skip
    return console.redirect("/blacklist")


def _read_upload(upload: UploadFile, suffix: str) -> list[dict[str, Any]]:
    upload.file.seek(0)
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        shutil.copyfileobj(upload.file, f)
        f.flush()
        return blackfile.read_file(Path(f.name))


@page("edit")
async def blacklist_remove(console: Console, request: Request, user: User) -> Response:
    entry = int(request.path_params["key"])
    await console.db(console.store.remove_blacklist, entry, who(request, user))
    return console.redirect("/blacklist")


@page("read")
async def words(console: Console, request: Request, user: User) -> Response:
    return await _listing(console, request, user, "words")


@page("edit")
async def word_add(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    word = _text(form, "word")
    if not word:
        return await _listing(console, request, user, "words", "请填写敏感词")
    row = {"word": word[:64], "allow": int(form.get("allow") == "1"),
           "note": _text(form, "note") or None}  # fmt: skip
    await console.db(console.store.put_policy, "word", row, who(request, user))
    return console.redirect("/words")


@page("edit")
async def word_delete(console: Console, request: Request, user: User) -> Response:
    word = str(request.path_params["key"])
    await console.db(console.store.delete_policy, "word", word, who(request, user))
    return console.redirect("/words")


@page("read")
async def profiles(console: Console, request: Request, user: User) -> Response:
    return await _listing(console, request, user, "profiles")


@page("edit")
async def profile_save(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    name = _text(form, "source_system")
    given = {k: _text(form, k) for k in ("signature", "ext", "account", "dept_code",
             "category", "words", "signature_at")}  # fmt: skip
    row = await console.db(console.store.policy_row, "profile", name)
    current = SourceProfile.of_row(row) if row else NO_PROFILE
    try:  # the fields the form leaves empty (and templates, which it has not) stay as they are
        profile = SourceProfile(
            **{
                **current.model_dump(),
                **{k: v for k, v in given.items() if v},
                "priority": int(_text(form, "priority")) if _text(form, "priority") else None,
                "duplicate_seconds": int(_text(form, "duplicate_seconds") or 0),
                "blacklist": form.get("blacklist") == "1",
            }
        )
    except (pydantic.ValidationError, ValueError) as exc:
        return await _listing(console, request, user, "profiles", f"来源配置有误：{exc}")
    if not name:
        return await _listing(console, request, user, "profiles", "请填写来源系统")
    await console.db(console.store.put_policy, "profile", profile.row(name), who(request, user))
    return console.redirect("/profiles")


@page("read")
async def channels(console: Console, request: Request, user: User) -> Response:
    return await _listing(console, request, user, "channels")


@page("edit")
async def channel_mode(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    mode, name = _text(form, "mode"), str(request.path_params["key"])
    if mode not in MODES:
        return await _listing(console, request, user, "channels", "未知的通道状态")
    reason = _text(form, "reason") or f"set in the console by {user.username}"
    await console.db(console.store.set_channel_mode, name, mode, reason,
                     f"console:{user.username}")  # fmt: skip
    return console.redirect("/channels")


@page("read")
async def alarms(console: Console, request: Request, user: User) -> Response:
    return await _listing(console, request, user, "alarms")


@page("edit")
async def alarm_rule(console: Console, request: Request, user: User) -> Response:
    """Change a rule as `hisms alarm set` does: enabled, repeat_seconds and its thresholds."""
    form = await request.form()
    name = str(request.path_params["key"])
    if name not in KEYS:
        return await _listing(console, request, user, "alarms", f"没有告警规则 {name}")
    pairs = _text(form, "values").split()
    values = dict(p.partition("=")[::2] for p in pairs)
    values["enabled"] = "1" if form.get("enabled") == "1" else "0"
    values["repeat_seconds"] = _text(form, "repeat_seconds") or values.get("repeat_seconds", "")
    if not values["repeat_seconds"]:
        del values["repeat_seconds"]
    rows = await console.db(console.store.alarm_rules)
    found = next((r for r in rows if r["name"] == name), None)
    try:
        if any("=" not in p for p in pairs):
            raise ValueError("阈值应写作 名称=值，以空格分隔")
        row = assign(console.alarms, name, found, values)
    except ValueError as exc:
        return await _listing(console, request, user, "alarms", str(exc))
    await console.db(console.store.put_policy, "alarm_rule", row, who(request, user))
    return console.redirect("/alarms")


@page("audit")
async def audit(console: Console, request: Request, user: User) -> Response:
    q = request.query_params
    where = AuditFilter(
        object=q.get("object") or None, actor=q.get("actor") or None,
        action=q.get("action") or None, name=q.get("name") or None, limit=200,
    )  # fmt: skip
    rows = await console.db(console.store.audit_trail, where)
    return console.render(request, "audit.html", user=user, rows=rows, q=q)


@page("users")
async def users(console: Console, request: Request, user: User) -> Response:
    return await _listing(console, request, user, "users")


@page("users")
async def user_add(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    try:
        role = Role(_text(form, "role"))
        await console.db(console.users.add, _text(form, "username"), str(form.get("password")),
                         role, _text(form, "dept_code") or None, who(request, user))  # fmt: skip
    except (UserError, ValueError) as exc:
        return await _listing(console, request, user, "users", str(exc))
    return console.redirect("/users")


@page("users")
async def user_disable(console: Console, request: Request, user: User) -> Response:
    form = await request.form()
    name = str(request.path_params["key"])
    if name == user.username:
        raise Forbidden("an administrator cannot disable itself")
    disabled = form.get("disabled") == "1"
    await console.db(console.users.set_disabled, name, disabled, who(request, user))
    console.forget_user(name)
    return console.redirect("/users")


@page("users")
async def user_password(console: Console, request: Request, user: User) -> Response:
    """An administrator sets another user's password (which also lifts a lock-out)."""
    form = await request.form()
    name = str(request.path_params["key"])
    try:
        await console.db(console.users.set_password, name, str(form.get("password") or ""),
                         who(request, user))  # fmt: skip
    except UserError as exc:
        return await _listing(console, request, user, "users", str(exc))
    return console.redirect("/users")


ROUTES = [
    ("/templates", templates, ["GET"]),
    ("/templates", template_save, ["POST"]),
    ("/templates/{key}/delete", template_delete, ["POST"]),
    ("/blacklist", blacklist, ["GET"]),
    ("/blacklist", blacklist_add, ["POST"]),
    ("/blacklist/export", blacklist_export, ["GET"]),
    ("/blacklist/import", blacklist_import, ["POST"]),
    ("/blacklist/{key:int}/delete", blacklist_remove, ["POST"]),
    ("/words", words, ["GET"]),
    ("/words", word_add, ["POST"]),
    ("/words/{key}/delete", word_delete, ["POST"]),
    ("/profiles", profiles, ["GET"]),
    ("/profiles", profile_save, ["POST"]),
    ("/channels", channels, ["GET"]),
    ("/channels/{key}/mode", channel_mode, ["POST"]),
    ("/alarms", alarms, ["GET"]),
    ("/alarms/{key}", alarm_rule, ["POST"]),
    ("/audit", audit, ["GET"]),
    ("/users", users, ["GET"]),
    ("/users", user_add, ["POST"]),
    ("/users/{key}/disable", user_disable, ["POST"]),
    ("/users/{key}/password", user_password, ["POST"]),
]
