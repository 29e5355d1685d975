"""Routing rules, weights and failover within a group, number segments and overrides."""

from __future__ import annotations

import random
import subprocess
import sys
from collections import Counter
from typing import Any

import pydantic
import pytest

from hisms.engine import numbering
from hisms.engine.config import ChannelConfig
from hisms.engine.health import NOT_HERE, ChannelHealth, HealthConfig, Standing, State
from hisms.engine.numbering import NumberInfo, lookup, split_region
from hisms.engine.router import Router
from hisms.engine.routing.rows import rule_of, rule_row
from hisms.engine.routing.rules import Facts, Member, RouteTable, Rule
from hisms.engine.routing.seed import (
    MemberConfig,
    RoutingConfig,
    RuleConfig,
    seed_table,
    unknown_channels,
)

UP = Standing(State.UP, "", True)
DEGRADED = Standing(State.DEGRADED, "90.0% of submits accepted in the window", True)
DOWN = Standing(State.DOWN, "link down: connection refused", False)

TABLE = RouteTable(
    rules=(
        Rule("default", "main", position=90),
        Rule("critical", "urgent", position=10, max_priority=1),
        Rule("gd-unicom", "south", position=20, operators=("unicom",), provinces=("广东省",)),
        Rule("lis", "lab", position=30, sources=("LIS",), accounts=("lab01",)),
    ),
    members=(
        Member("main", "cmcc", 70, 0),
        Member("main", "ctcc", 30, 1),
        Member("main", "backup", 0, 2),
        Member("urgent", "cmcc", 100, 0),
        Member("urgent", "backup", 0, 1),
        Member("south", "cucc", 100, 0),
        Member("lab", "lab", 100, 0),
    ),
)


def router(states: dict[str, Standing] | None = None, table: RouteTable = TABLE) -> Router:
    states = states or {}
    return Router(table, lambda c: states.get(c, UP), random.Random(7))


def facts(phone: str = "13800138000", **kw: object) -> Facts:
    return Facts(lookup(phone), **kw)  # type: ignore[arg-type]


def test_the_segment_gives_operator_province_and_city() -> None:
    assert lookup("18912345678") == NumberInfo("telecom", "江苏省", "常州市")
    assert lookup("13800138000") == NumberInfo("mobile", "北京市", "北京市")
    assert split_region("内蒙古自治区呼和浩特市") == ("内蒙古自治区", "呼和浩特市")
    assert split_region("中国") == ("", "")


def test_rules_are_tried_in_position_order_and_the_default_catches_the_rest() -> None:
    r = router()
    assert r.route(facts(priority=0)).rule.name == "critical"  # type: ignore[union-attr]
    assert r.route(facts(source="LIS", account="lab01")).channel == "lab"
    assert r.route(facts(source="LIS", account="other")).rule.name == "default"  # type: ignore[union-attr]
    assert r.route(facts()).rule.name == "default"  # type: ignore[union-attr]


def test_region_and_operator_rule_uses_the_override_for_a_ported_number() -> None:
    ported = NumberInfo("unicom", "广东省", "深圳市", "override")
    table = RouteTable(TABLE.rules, TABLE.members, {"13800138000": ported})
    r = router(table=table)
    number = r.number("13800138000")
    assert number == ported
    assert r.route(Facts(number)).channel == "cucc"
    assert r.route(facts("13800138001")).rule.name == "default"  # type: ignore[union-attr]


def test_weights_hold_within_five_percent_over_ten_thousand_messages() -> None:
    r = router()
    got = Counter(r.route(facts()).channel for _ in range(10_000))
    assert abs(got["cmcc"] - 7000) <= 350 and abs(got["ctcc"] - 3000) <= 150, got
    assert got["backup"] == 0


def test_a_down_channel_s_share_goes_to_its_peers_then_to_backups_in_order() -> None:
    assert {router({"cmcc": DOWN}).route(facts()).channel for _ in range(50)} == {"ctcc"}
    both = {"cmcc": DOWN, "ctcc": DOWN}
    assert router(both).route(facts()).channel == "backup"
    assert "backup" in router(both).route(facts()).why


def test_up_channels_take_the_weighted_share_before_degraded_ones() -> None:
    r = router({"cmcc": DEGRADED})
    assert {r.route(facts()).channel for _ in range(50)} == {"ctcc"}
    r = router({"cmcc": DEGRADED, "ctcc": DOWN})
    assert r.route(facts()).channel == "cmcc"  # degraded beats a backup


def test_a_message_waits_when_no_channel_of_its_group_takes_traffic() -> None:
    route = router({"cmcc": DOWN, "ctcc": DOWN, "backup": DOWN}).route(facts())
    assert route.channel is None and route.wait
    assert "cmcc DOWN (link down: connection refused)" in route.why


def test_a_channel_in_its_hold_time_takes_traffic_only_when_no_other_channel_does() -> None:
    held = Standing(State.DOWN, "link down; fine again, back in 25s", False, recovering=True)
    alone = router({"cmcc": held, "ctcc": DOWN, "backup": DOWN})
    route = alone.route(facts())
    assert route.channel == "cmcc" and "hold time" in route.why
    assert alone.blocked("cmcc") is None and alone.blocked("ctcc") is not None
    with_backup = router({"cmcc": held, "ctcc": DOWN})
    assert with_backup.route(facts()).channel == "backup"


def test_a_lone_channel_whose_link_came_back_is_used_at_once() -> None:
    health = ChannelHealth("cmcc", HealthConfig(up_after_seconds=30), clock=lambda: 0.0)
    health.link(False, "connection closed by the gateway")
    assert not health.standing().recovering
    health.link(True, "1 of 1 links up")
    standing = health.standing()
    assert standing.state is State.DOWN and standing.recovering and not standing.takes_new


def test_failover_avoids_the_channels_already_tried() -> None:
    route = router().route(facts(priority=0), avoid={"cmcc"})
    assert route.channel == "backup"


def test_a_resend_takes_another_channel_of_the_group_else_the_one_whose_report_failed() -> None:
    urgent = facts(priority=0)  # group urgent: cmcc weighted, backup
    assert router().route(urgent, rather_not="cmcc").channel == "backup"
    assert router().route(urgent, rather_not="backup").channel == "cmcc"
    route = router({"backup": DOWN}).route(urgent, rather_not="cmcc")
    assert route.channel == "cmcc" and "no other channel takes traffic" in route.why
    assert router({"cmcc": DOWN}).route(urgent, rather_not="backup").channel == "backup"
    gone = router({"cmcc": DOWN, "backup": DOWN}).route(urgent, rather_not="cmcc")
    assert gone.channel is None and gone.wait
    # Failing over within the batch: the channels tried are avoided outright.
    assert router().route(urgent, avoid={"backup"}, rather_not="cmcc").channel == "cmcc"
    assert router().route(urgent, avoid={"cmcc"}, rather_not="backup").channel == "backup"


def test_a_pinned_message_takes_its_channel_whatever_the_rules_and_waits_while_it_is_shut() -> None:
    # The rules send this number to group main (cmcc, ctcc, backup); pinned goes to lab.
    assert router().route(facts(), pinned="lab").channel == "lab"
    assert router().route(facts(), rather_not="lab", pinned="lab").channel == "lab"
    no_rule = router(table=RouteTable((), ()))
    assert no_rule.route(facts(), pinned="lab").channel == "lab"
    for shut in (DOWN, Standing(State.DISABLED, "maintenance", False), NOT_HERE):
        route = router({"lab": shut}).route(facts(), pinned="lab")
        assert route.channel is None and route.wait
        assert route.why.startswith("waiting for its pinned channel lab")
    # Handed back by its channel (failover): it waits, never another channel.
    assert router().route(facts(), avoid={"lab"}, pinned="lab").wait


def test_no_rule_and_an_empty_group_are_not_waits() -> None:
    r = router(table=RouteTable((Rule("x", "ghost", operators=("unicom",)),), ()))
    assert not r.route(facts()).wait and r.route(facts()).why == "no routing rule matches"
    assert "has no channel" in r.route(facts("18612345678")).why


def test_templates_are_a_rule_field_that_matches_only_a_given_template() -> None:
    rule = Rule("t", "main", templates=("T100",))
    assert rule.mismatch(facts()) == "template '(none)' not in ['T100']"
    assert rule.mismatch(facts(template="T100")) is None


def test_explain_says_why_each_rule_was_skipped_and_what_was_chosen() -> None:
    lines = router({"ctcc": DOWN}).explain(facts(source="HIS"))
    assert lines[0] == "rule 10 'critical': priority 5 not in 0-1"
    assert lines[2] == "rule 30 'lis': source system 'HIS' not in ['LIS']"
    assert lines[3] == "rule 90 'default': matches"
    assert "  ctcc: weight 30, DOWN (link down: connection refused)" in lines
    assert lines[-1] == "rule 'default' -> group 'main': cmcc (weight 70 of 70)"


def test_a_channel_not_on_this_engine_takes_nothing() -> None:
    r = Router(TABLE, lambda c: NOT_HERE if c == "cmcc" else UP, random.Random(1))
    assert r.route(facts(priority=0)).channel == "backup"


def test_rules_round_trip_through_their_rows() -> None:
    for rule in TABLE.rules:
        assert rule_of(rule_row(rule)) == rule


def test_seed_from_config_keeps_order_weights_and_backups() -> None:
    routing = RoutingConfig(
        rules=[RuleConfig(name="cv", group="g", max_priority=1), RuleConfig(name="all", group="g")],
        groups={"g": [MemberConfig(channel="a", weight=70), MemberConfig(channel="b", weight=0)]},
    )
    table = seed_table(routing, [])
    assert [(r.name, r.position) for r in table.rules] == [("cv", 10), ("all", 20)]
    assert table.group("g") == [Member("g", "a", 70, 0), Member("g", "b", 0, 1)]


def test_seed_without_rules_gives_each_operator_its_serving_channels_first_one_weighted() -> None:
    channels = [
        ChannelConfig(name="cm", protocol="cmpp", operators=["mobile"]),
        ChannelConfig(name="all", protocol="cmpp"),
        ChannelConfig(name="off", protocol="cmpp", enabled=False),
    ]
    table = seed_table(RoutingConfig(), channels)
    assert table.group("mobile") == [Member("mobile", "cm", 100, 0), Member("mobile", "all", 0, 1)]
    assert table.group("unicom") == [Member("unicom", "all", 100, 0)]


def test_rules_must_name_configured_groups() -> None:
    with pytest.raises(ValueError, match=r"not in \[routing.groups\]"):
        RoutingConfig(rules=[RuleConfig(name="x", group="nope")])


def test_a_number_s_operator_and_region_are_those_of_its_seven_digit_segment() -> None:
    rng = random.Random(3)
    for _ in range(300):
        number = rng.choice("3456789").join(("1", f"{rng.randrange(10**9):09d}"))
        assert lookup(number) == numbering._parsed(number)  # the library, number by number


def test_the_router_looks_up_a_region_only_when_a_rule_or_the_caller_needs_one() -> None:
    assert TABLE.by_region
    assert router().number("18912345678") == NumberInfo("telecom", "江苏省", "常州市")
    by_operator = RouteTable(tuple(r for r in TABLE.rules if not r.provinces), TABLE.members)
    assert not by_operator.by_region
    assert router(table=by_operator).number("18912345678") == NumberInfo("telecom", "", "")
    explained = router(table=by_operator).number("18912345678", region=True)
    assert explained == NumberInfo("telecom", "江苏省", "常州市")


def test_the_command_line_starts_without_the_region_tables() -> None:
    # The geocoder holds every country's regions (~110 MB, 0.6 s): no command pays for it
    # unless it routes by region.
    code = "import sys, hisms.engine.cli; print('phonenumbers.geocoder' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_batch_router_reads_each_standing_once_and_still_draws_by_weight() -> None:
    asked: Counter[str] = Counter()

    def standing(channel: str) -> Standing:
        asked[channel] += 1
        return UP

    batch = Router(TABLE, standing, random.Random(7)).for_batch()
    chosen = Counter(batch.route(facts()).channel for _ in range(1000))
    assert set(asked.values()) == {1}  # once per channel, not per message
    assert 600 < chosen["cmcc"] < 800 and 200 < chosen["ctcc"] < 400  # 70/30, not cached
    lab = [batch.route(facts(source="LIS", account="lab01")) for _ in range(3)]
    assert {r.channel for r in lab} == {"lab"} and lab[0] is lab[2]  # one way: kept
    # the standing a batch read is its own: the next batch reads it again
    Router(TABLE, standing, random.Random(7)).for_batch().route(facts())
    assert asked["cmcc"] == 2


@pytest.mark.parametrize(
    ("routing", "said"),
    [
        ({"rules": [{"name": "x", "group": "g", "operators": ["moblie"]}]}, "unknown operators"),
        (
            {"rules": [{"name": "x", "group": "g", "min_priority": 5, "max_priority": 2}]},
            "min_priority 5 is above max_priority 2",
        ),
        ({"rules": [{"name": "x", "group": "g"}, {"name": "x", "group": "g"}]}, "named twice"),
        ({"groups": {"g": [{"channel": "a"}, {"channel": "a", "weight": 0}]}}, "channels twice"),
        ({"groups": {"": [{"channel": "a"}]}}, "at least 1 character"),
    ],
)
def test_routing_refuses_what_would_match_nothing_or_not_store(
    routing: dict[str, Any], said: str
) -> None:
    with pytest.raises(pydantic.ValidationError, match=said):
        RoutingConfig.model_validate({"groups": {"g": [{"channel": "a"}]}, **routing})


def test_groups_naming_channels_not_configured_are_found() -> None:
    routing = RoutingConfig.model_validate({"groups": {"g": [{"channel": "a"}, {"channel": "z"}]}})
    assert unknown_channels(routing, ["a"]) == {"g": ["z"]}
