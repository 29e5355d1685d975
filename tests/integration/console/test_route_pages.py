"""路由规则 and 模式切换 in process (httpx) on every live database: rules and groups changed
through RouteStore.save_routes and audited, bad input refused in Chinese with nothing saved,
a number explained, overrides, the mode switch as `hisms mode set`, and who may do what."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hisms.adapters.console.app import mount
from hisms.adapters.console.sampler import Reading, Sampler
from hisms.adapters.console.users import Role, Users
from hisms.engine.config import Settings
from hisms.engine.routing.rules import Member, RouteTable, Rule
from hisms.engine.store.base import Store
from hisms.engine.store.policystore import Who
from tests.integration.console.test_pages import PASSWORD, Client, Scenario, _token

TABLE = RouteTable(
    (Rule("urgent", "fast", 10, max_priority=1), Rule("default", "main", 20)),
    (Member("fast", "cmcc", 100, 0), Member("main", "cmcc", 70, 0), Member("main", "ctcc", 30, 1)),
)
PEOPLE = {"admin": Role.ADMIN, "ops": Role.OPERATOR, "ward": Role.DEPT, "audit": Role.AUDITOR}


@pytest.fixture
def browse(store: Store) -> Callable[[Scenario], None]:
    settings = Settings.model_validate(
        {"channels": [{"name": n, "protocol": "loopback"} for n in ("cmcc", "ctcc", "backup")]}
    )
    people = Users(store, settings.console)
    for name, role in PEOPLE.items():
        people.add(name, PASSWORD, role, "ICU" if role is Role.DEPT else None, Who("test"))
    app = Starlette(routes=[mount(store, settings, Sampler(lambda: Reading(0.0), 60))])

    async def run(scenario: Scenario) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            await scenario(c)

    return lambda scenario: asyncio.run(run(scenario))


async def login(client: Client, user: str) -> str:
    token = _token((await client.get("/console/login")).text)
    form = {"username": user, "password": PASSWORD, "csrf_token": token}
    assert (await client.post("/console/login", data=form)).status_code == 303
    return _token((await client.get("/console/password")).text)


def _state(store: Store) -> tuple[tuple[Rule, ...], list[Member]]:
    table = store.load_routes()
    assert table is not None
    return table.rules, sorted(table.members, key=lambda m: (m.group, m.position))


def _rules(store: Store) -> list[tuple[str, str, int, int]]:
    table = store.load_routes()
    assert table is not None
    return [(r.name, r.group, r.min_priority, r.max_priority) for r in table.rules]


def test_rules_are_added_moved_changed_and_deleted_each_change_audited(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    store.save_routes(TABLE, "test")
    rule = {"name": "cv", "group": "fast", "sources": "CV, LIS", "min_priority": "0",
            "max_priority": "3", "enabled": "1", "at": "1"}  # fmt: skip

    async def scenario(client: Client) -> None:
        token = await login(client, "ops")
        page = (await client.get("/console/routes")).text
        assert "urgent" in page and "cmcc" in page and "权重 70（70%）" in page

        async def post(url: str, **form: Any) -> httpx.Response:
            return await client.post(f"/console/routes{url}", data={**form, "csrf_token": token})

        assert (await post("/rules", **rule)).status_code == 303
        assert _rules(store)[0] == ("cv", "fast", 0, 3)
        assert (await post("/rules/cv/move", dir="down")).status_code == 303
        assert [r[0] for r in _rules(store)] == ["urgent", "cv", "default"]
        changed = {**rule, "was": "cv", "name": "critical", "group": "main", "at": "3"}
        assert (await post("/rules", **changed)).status_code == 303
        assert [r[0] for r in _rules(store)] == ["urgent", "default", "critical"]
        assert (await post("/rules/critical/delete")).status_code == 303
        members = {"name": "main", "channel": ["ctcc", "backup", ""], "weight": ["50", "0", ""]}
        assert (await post("/groups", **members)).status_code == 303
        history = (await client.get("/console/routes/history")).text
        assert "console:ops" in history and "通道组" in history

    browse(scenario)
    assert [r[0] for r in _rules(store)] == ["urgent", "default"]
    table = store.load_routes()
    assert table is not None
    assert [(m.channel, m.weight) for m in table.group("main")] == [("ctcc", 50), ("backup", 0)]
    assert {r["changed_by"] for r in store.route_history(20)} >= {"console:ops"}
    assert table.rules[0].sources == ()  # the deleted rule's sources left nothing behind


REFUSED = [
    ("/rules", {"name": "x", "group": "main", "operators": "moblie"}, "规则「x」的运营商"),
    ("/rules", {"name": "x", "group": "main", "min_priority": "5", "max_priority": "2"},
     "优先级下限 5 大于上限 2"),
    ("/rules", {"name": "x", "group": "main", "max_priority": "12"}, "优先级上限：不能大于 9"),
    ("/rules", {"name": "x", "group": "nope"}, "通道组 nope 不存在"),
    ("/rules", {"name": "", "group": "main"}, "规则名：不能为空"),
    ("/rules", {"name": "default", "group": "main"}, "已有名为「default」的规则"),
    ("/groups", {"name": "main", "channel": ["cmcc", "cucc"], "weight": ["1", "1"]},
     "通道组「main」的通道 cucc 未在配置文件"),
    ("/groups", {"name": "main", "channel": ["cmcc"], "weight": ["abc"]},
     "通道组「main」第 1 个通道的权重：应为整数"),
    ("/groups", {"name": "main", "channel": ["cmcc", "cmcc"], "weight": ["1", "1"]}, "通道重复"),
    ("/groups", {"name": "main", "channel": [""], "weight": [""]}, "至少要有一个通道"),
    ("/groups/fast/delete", {}, "仍被规则 urgent 使用"),
    ("/groups", {"new": "1", "name": "main", "channel": ["cmcc"], "weight": ["1"]}, "已有通道组"),
    ("/rules/nope/delete", {}, "没有名为「nope」的规则"),
    ("/rules/urgent/delete", {"version": "stale"}, "已被他人修改"),
]  # fmt: skip


def test_bad_routing_input_is_refused_in_chinese_and_nothing_is_saved(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    store.save_routes(TABLE, "test")
    before = store.route_history(50)

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        for url, form, said in REFUSED:
            given: dict[str, Any] = {**form, "csrf_token": token}
            answer = await client.post(f"/console/routes{url}", data=given)
            alert = answer.text[answer.text.find('role="alert"') :][:300]
            assert answer.status_code == 400 and said in alert, (url, form, alert)
            assert store.route_history(50) == before, (url, form)

    browse(scenario)
    assert _state(store) == (
        TABLE.rules,
        sorted(TABLE.members, key=lambda m: (m.group, m.position)),
    )


def test_without_stored_rules_the_configuration_s_are_shown_and_saved_whole(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        page = (await client.get("/console/routes")).text
        assert "数据库中还没有规则" in page and "mobile" in page
        rule = {"name": "a/b", "group": "unicom", "sources": "CV", "at": "1", "enabled": "1"}
        saved = await client.post("/console/routes/rules", data={**rule, "csrf_token": token})
        assert saved.status_code == 303
        moved = await client.post(
            "/console/routes/rules/a/b/move", data={"dir": "down", "csrf_token": token}
        )
        assert moved.status_code == 303
        assert "数据库中还没有规则" not in (await client.get("/console/routes")).text

    browse(scenario)
    assert [r[0] for r in _rules(store)][:3] == ["mobile", "a/b", "unicom"]


def test_the_last_rule_cannot_be_deleted(store: Store, browse: Callable[[Scenario], None]) -> None:
    store.save_routes(RouteTable(TABLE.rules[1:], TABLE.members), "test")

    async def scenario(client: Client) -> None:
        token = await login(client, "admin")
        answer = await client.post(
            "/console/routes/rules/default/delete", data={"csrf_token": token}
        )
        assert answer.status_code == 400 and "至少保留一条规则" in answer.text

    browse(scenario)
    assert _rules(store) == [("default", "main", 0, 9)]


def test_a_number_is_explained_and_an_override_changes_its_operator(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    store.save_routes(
        RouteTable((*TABLE.rules, Rule("unicom", "fast", 5, operators=("unicom",))), TABLE.members),
        "test",
    )

    async def scenario(client: Client) -> None:
        token = await login(client, "ops")
        page = (await client.get("/console/routes?number=13800138000&priority=5")).text
        assert 'id="explain-rule">default<' in page
        assert "<b>cmcc</b>" in page or "<b>ctcc</b>" in page
        assert "移动（号段）" in page and "北京市" in page
        urgent = (await client.get("/console/routes?number=13800138000&priority=0")).text
        assert 'id="explain-rule">urgent<' in urgent
        wrong = (await client.get("/console/routes?number=12345")).text
        assert "号码有误" in wrong
        ported = {"phone": "13800138000", "operator": "unicom", "province": "广东省",
                  "city": "深圳市", "note": "携号转网 2024-05", "csrf_token": token}  # fmt: skip
        assert (await client.post("/console/routes/overrides", data=ported)).status_code == 303
        listed = (await client.get("/console/routes/overrides")).text
        assert "13800138000" in listed and "携号转网 2024-05" in listed
        now = (await client.get("/console/routes?number=13800138000")).text
        assert 'id="explain-rule">unicom<' in now and "联通（携号转网记录）" in now
        bad = {**ported, "phone": "12345"}
        assert (await client.post("/console/routes/overrides", data=bad)).status_code == 400
        gone = await client.post(
            "/console/routes/overrides/13800138000/delete", data={"csrf_token": token}
        )
        assert gone.status_code == 303

    browse(scenario)
    assert store.overrides() == []
    assert [r["object"] for r in store.route_history(2)] == ["override", "override"]


def test_modes_are_shown_and_switched_as_hisms_mode_set_does(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    store.register_sources(["CV", "HIS"], "platform", "test")

    def mode(source: str) -> str:
        return next(r["mode"] for r in store.source_modes() if r["source_system"] == source)

    async def scenario(client: Client) -> None:
        token = await login(client, "ops")
        page = (await client.get("/console/modes")).text
        assert "全部 2 个来源系统为<b>平台推送</b>" in page

        async def switch(**form: str) -> httpx.Response:
            return await client.post("/console/modes", data={**form, "csrf_token": token})

        assert (await switch(source="HIS", mode="table", reason="ESB 宕机")).status_code == 303
        assert mode("HIS") == "table"
        shown = (await client.get("/console/modes")).text
        assert "1 个来源系统处于<b>表模式</b>：HIS" in shown and "将按顺序重放" in shown
        for form, said in [
            ({"source": "HIS", "mode": "platform", "reason": "恢复"}, "请勾选确认"),
            ({"source": "HIS", "mode": "platform", "confirm": "1"}, "请填写切换原因"),
            ({"source": "LIS", "mode": "table", "reason": "x"}, "没有来源系统「LIS」"),
            ({"source": "HIS", "mode": "push", "reason": "x"}, "未知的模式"),
        ]:
            refused = await switch(**form)
            assert refused.status_code == 400 and said in refused.text, form
        assert mode("HIS") == "table"
        back = await switch(source="HIS", mode="platform", reason="恢复", confirm="1")
        assert back.status_code == 303 and mode("HIS") == "platform"
        assert (await switch(source="*", mode="table", reason="平台故障")).status_code == 303

    browse(scenario)
    assert {r["source_system"]: r["mode"] for r in store.source_modes()} == {
        "CV": "table",
        "HIS": "table",
    }
    assert {r["changed_by"] for r in store.source_modes()} == {"console:ops"}


def test_department_users_are_refused_and_auditors_only_read(
    store: Store, browse: Callable[[Scenario], None]
) -> None:
    store.save_routes(TABLE, "test")
    store.register_sources(["HIS"], "platform", "test")
    pages = ("/console/routes", "/console/routes/overrides", "/console/routes/history",
             "/console/modes")  # fmt: skip
    changes = [
        ("/console/routes/rules/urgent/delete", {}),
        ("/console/routes/overrides", {"phone": "13800138000", "operator": "unicom"}),
        ("/console/modes", {"source": "HIS", "mode": "table", "reason": "x"}),
    ]

    async def scenario(client: Client) -> None:
        token = await login(client, "ward")
        assert "路由规则" not in (await client.get("/console/messages")).text
        for url in pages:
            assert (await client.get(url)).status_code == 403, url
        for url, form in changes:
            assert (await client.post(url, data={**form, "csrf_token": token})).status_code == 403
        client.cookies.clear()
        token = await login(client, "audit")
        for url in pages:
            answer = await client.get(url)
            assert answer.status_code == 200
            assert not re.search(r'method="post" action="/console/(routes|modes)', answer.text)
        assert "模式切换" in (await client.get("/console/modes")).text
        for url, form in changes:
            assert (await client.post(url, data={**form, "csrf_token": token})).status_code == 403

    browse(scenario)
    assert _state(store) == (
        TABLE.rules,
        sorted(TABLE.members, key=lambda m: (m.group, m.position)),
    )
    assert store.source_modes()[0]["mode"] == "platform"
