"""路由规则: the rules and channel groups (`hisms route list`), edited and saved whole through
RouteStore.save_routes (audited), a number explained (`hisms route explain`), number
overrides (`hisms route override`) and the routing history (`hisms route history`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hisms.adapters.console.routeform import (
    OPERATOR_NAMES,
    Editable,
    RouteError,
    members_of_form,
    rule_of_form,
)
from hisms.adapters.console.users import User
from hisms.adapters.console.web import Console, page
from hisms.engine import phone
from hisms.engine.numbering import OPERATORS, NumberInfo
from hisms.engine.routing.explain import FROM_DB, Explained, current, explain, standings

Change = Callable[[Editable], None]  # edits the table in place, or raises RouteError
EXPLAINED = ("source", "account", "dept", "signature", "template")


def _table(console: Console) -> dict[str, Any]:
    table, where = current(console.store, console.seed)
    states = standings(console.store)
    return {"table": table, "edit": Editable.of(table), "from_db": where == FROM_DB,
            "version": console.store.route_version(), "states": states,
            "channels": console.channels, "operators": OPERATORS,
            "operator_names": OPERATOR_NAMES}  # fmt: skip


async def _render(
    console: Console, request: Request, user: User, error: str | None = None, **values: Any
) -> Response:
    data = await console.db(_table, console)
    values.setdefault("rule", _blank(data["edit"]))
    values.setdefault("q", {})
    return console.render(request, "routes.html", 400 if error else 200, user=user,
                          error=error, tab="rules", **data, **values)  # fmt: skip


def _blank(edit: Editable) -> dict[str, Any]:
    """A new rule's form: placed before the first rule without conditions (the default),
    which would otherwise take every message first."""
    default = next((i for i, r in enumerate(edit.rules) if not _conditions(r)), len(edit.rules))
    return {"name": "", "group": "", "min_priority": 0, "max_priority": 9, "enabled": True,
            "at": default + 1, "was": ""}  # fmt: skip


def _conditions(rule: dict[str, Any]) -> bool:
    lists = any(rule[k] for k in ("operators", "provinces", "cities", "sources", "accounts",
                                  "depts", "signatures", "templates"))  # fmt: skip
    return lists or (rule["min_priority"], rule["max_priority"]) != (0, 9)


@page("ops")
async def rules(console: Console, request: Request, user: User) -> Response:
    """The rules and groups; ``?edit=NAME`` fills the form with a rule; ``?number=`` explains."""
    q = request.query_params
    values: dict[str, Any] = {"q": q}
    if q.get("number"):
        values.update(await _explained(console, q))
    if q.get("edit"):
        edit = Editable.of((await console.db(current, console.store, console.seed))[0])
        try:
            at = edit.index(q["edit"])
        except RouteError as exc:
            return await _render(console, request, user, str(exc), **values)
        values["rule"] = {**edit.rules[at], "at": at + 1, "was": q["edit"]}
    return await _render(console, request, user, **values)


async def _explained(console: Console, q: Any) -> dict[str, Any]:
    given: dict[str, Any] = {k: str(q.get(k) or "").strip() for k in EXPLAINED}
    given["source"] = given["source"] or "DEFAULT"
    try:
        given["priority"] = min(9, max(0, int(q.get("priority") or 5)))
        said: Explained = await console.db(
            explain, console.store, console.seed, str(q["number"]), **given
        )
    except phone.InvalidPhone as exc:
        return {"explain_error": f"号码有误：{exc.text}"}
    except ValueError:
        return {"explain_error": "优先级应为 0-9 的整数"}
    return {"explained": said}


async def _change(console: Console, request: Request, user: User, change: Change) -> Response:
    """Apply ``change`` to the table in force, check it as [routing] is checked and save it
    whole (only what differs is written and audited); a refusal saves nothing."""
    form = await request.form()
    try:
        table, _ = await console.db(current, console.store, console.seed)
        version = await console.db(console.store.route_version)
        if form.get("version") and form.get("version") != version:
            raise RouteError("路由规则已被他人修改：请刷新页面后重做这次修改")
        edit = Editable.of(table)
        change(edit)
        checked = edit.checked(console.channels)
    except RouteError as exc:
        rule = None
        if "name" in form and "group" in form:  # the rule form: give its values back
            rule = {**rule_of_form(form), "at": form.get("at"), "was": form.get("was") or ""}
        return await _render(console, request, user, str(exc), **({"rule": rule} if rule else {}))
    await console.db(console.store.save_routes, checked, f"console:{user.username}")
    return console.redirect("/routes")


@page("edit")
async def rule_save(console: Console, request: Request, user: User) -> Response:
    """Add a rule, or change the one named ``was`` (its name included), at place ``at``."""
    form = await request.form()
    rule, was = rule_of_form(form), str(form.get("was") or "")

    def change(edit: Editable) -> None:
        if was:
            del edit.rules[edit.index(was)]
        elif any(r["name"] == rule["name"] for r in edit.rules):
            raise RouteError(f"规则名：已有名为「{rule['name']}」的规则，请换一个名字或修改它")
        try:
            at = int(str(form.get("at") or len(edit.rules) + 1)) - 1
        except ValueError:
            raise RouteError("顺序：应为整数") from None
        edit.rules.insert(max(0, min(at, len(edit.rules))), rule)

    return await _change(console, request, user, change)


@page("edit")
async def rule_move(console: Console, request: Request, user: User) -> Response:
    name = str(request.path_params["name"])
    step = -1 if (await request.form()).get("dir") == "up" else 1

    def change(edit: Editable) -> None:
        at = edit.index(name)
        to = max(0, min(at + step, len(edit.rules) - 1))
        edit.rules.insert(to, edit.rules.pop(at))

    return await _change(console, request, user, change)


@page("edit")
async def rule_delete(console: Console, request: Request, user: User) -> Response:
    name = str(request.path_params["name"])

    def change(edit: Editable) -> None:
        del edit.rules[edit.index(name)]

    return await _change(console, request, user, change)


@page("edit")
async def group_save(console: Console, request: Request, user: User) -> Response:
    """A group's members and weights (a new group when the name is new)."""
    form = await request.form()
    name, members = str(form.get("name") or "").strip(), members_of_form(form)

    def change(edit: Editable) -> None:
        if form.get("new") == "1" and name in edit.groups:
            raise RouteError(f"通道组名：已有通道组「{name}」，请在它的行里修改")
        if not members and edit.users_of(name):
            used = "、".join(edit.users_of(name))
            raise RouteError(f"通道组「{name}」：至少要有一个通道（规则 {used} 在用它）")
        edit.groups[name] = members

    return await _change(console, request, user, change)


@page("edit")
async def group_delete(console: Console, request: Request, user: User) -> Response:
    name = str(request.path_params["name"])

    def change(edit: Editable) -> None:
        if edit.users_of(name):
            used = "、".join(edit.users_of(name))
            raise RouteError(f"通道组「{name}」仍被规则 {used} 使用：先修改或删除这些规则")
        edit.groups.pop(name, None)

    return await _change(console, request, user, change)


def _overrides(console: Console) -> dict[str, Any]:
    return {"overrides": console.store.overrides(), "operators": OPERATORS,
            "operator_names": OPERATOR_NAMES}  # fmt: skip


async def _overrides_page(
    console: Console, request: Request, user: User, error: str | None = None
) -> Response:
    data = await console.db(_overrides, console)
    return console.render(request, "route_overrides.html", 400 if error else 200, user=user,
                          error=error, tab="overrides", **data)  # fmt: skip


@page("ops")
async def overrides(console: Console, request: Request, user: User) -> Response:
    return await _overrides_page(console, request, user)


@page("edit")
async def override_set(console: Console, request: Request, user: User) -> Response:
    """As `hisms route override NUMBER --operator X [--province --city --note]`."""
    form = await request.form()
    given = {k: str(form.get(k) or "").strip() for k in ("phone", "operator", "province",
                                                         "city", "note")}  # fmt: skip
    try:
        number = phone.normalise(given["phone"])
    except phone.InvalidPhone as exc:
        return await _overrides_page(console, request, user, f"号码：{exc.text}")
    if given["operator"] not in OPERATORS:
        return await _overrides_page(console, request, user, "运营商：请选择转网后的运营商")
    if len(given["note"]) > 200 or len(given["province"]) > 32 or len(given["city"]) > 32:
        too_long = "省份、城市最多 32 字，备注最多 200 字"
        return await _overrides_page(console, request, user, too_long)
    info = NumberInfo(given["operator"], given["province"], given["city"], "override")
    await console.db(console.store.set_override, number, info, given["note"],
                     f"console:{user.username}")  # fmt: skip
    return console.redirect("/routes/overrides")


@page("edit")
async def override_delete(console: Console, request: Request, user: User) -> Response:
    number = str(request.path_params["phone"])
    await console.db(console.store.set_override, number, None, "", f"console:{user.username}")
    return console.redirect("/routes/overrides")


@page("ops")
async def history(console: Console, request: Request, user: User) -> Response:
    """As `hisms route history`: the latest changes of rules, groups, overrides, channels."""
    rows = await console.db(console.store.route_history, 100)
    changes = [{**r, "said": _difference(r["before_json"], r["after_json"])} for r in rows]
    return console.render(request, "route_history.html", user=user, rows=changes, tab="history")


def _difference(before: str | None, after: str | None) -> str:
    """What a change did, shortly: the keys that changed for a row, the whole for a group."""
    old, new = (json.loads(v) if v else None for v in (before, after))
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [k for k in sorted(old.keys() | new.keys()) if old.get(k) != new.get(k)]
        return "；".join(f"{k}: {old.get(k)} → {new.get(k)}" for k in keys) or "（无变化）"
    if new is None:
        return f"删除：{_short(old)}"
    return f"{'新增' if old is None else '改为'}：{_short(new)}"


def _short(value: Any) -> str:
    if isinstance(value, list):  # a group's members
        return "，".join(f"{m.get('channel')} 权重 {m.get('weight')}" for m in value)
    if isinstance(value, dict):
        return "，".join(f"{k}={v}" for k, v in value.items() if v not in (None, ""))
    return str(value)


ROUTES = [
    ("/routes", rules, ["GET"]),
    ("/routes/rules", rule_save, ["POST"]),
    ("/routes/rules/{name:path}/move", rule_move, ["POST"]),
    ("/routes/rules/{name:path}/delete", rule_delete, ["POST"]),
    ("/routes/groups", group_save, ["POST"]),
    ("/routes/groups/{name:path}/delete", group_delete, ["POST"]),
    ("/routes/overrides", overrides, ["GET"]),
    ("/routes/overrides", override_set, ["POST"]),
    ("/routes/overrides/{phone}/delete", override_delete, ["POST"]),
    ("/routes/history", history, ["GET"]),
]
