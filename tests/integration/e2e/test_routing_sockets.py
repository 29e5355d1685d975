"""Routing on real sockets: two CMPP simulators as channels ``a`` and ``b`` of one
``hisms run`` on PostgreSQL, routed by a ``[routing]`` section of its config (the rules an
engine routes by while the database holds none). The simulators run in this process, so
their accepted submits can be counted against ``sms_outbox.channel``."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
import pytest

from hisms.engine.numbering import lookup
from tests.integration.e2e.conftest import E2E, EngineProcess, SimThread

pytestmark = pytest.mark.slow

GUANGDONG = ("13560000001", "13828000002", "13600000003")  # 广州, 江门, 广州
ELSEWHERE = ("13800138000", "13912345678", "13700000004")  # 北京, 常州, 沈阳


def start(e2e: E2E, a: SimThread, b: SimThread, routing: Sequence[str]) -> EngineProcess:
    """``hisms run`` with channels a and b at the simulators' ports, routed by ``routing``:
    the conftest's one-channel config for a, plus the channel section of b's."""
    text = e2e.config(a.port, name="a").read_text("utf-8")
    other = e2e.config(b.port, name="b").read_text("utf-8")
    text += other[other.index("[[channels]]") :] + "\n".join(routing) + "\n"
    path = e2e.tmp_path / "routing.toml"
    path.write_text(text, "utf-8")
    engine = EngineProcess(path, e2e.tmp_path / "engine.log")
    e2e.engines.append(engine)
    return engine


def insert(e2e: E2E, rows: Sequence[tuple[str, str | None]]) -> list[int]:
    """(phone, account) rows, in one statement; the ids in the same order."""
    phones, accounts = [list(c) for c in zip(*rows, strict=True)]
    with psycopg.connect(e2e.url) as conn:
        got = conn.execute(
            "INSERT INTO sms_outbox (source_system, phone, account, content) "
            "SELECT 'HIS', p, a, '检验报告已出' FROM unnest(%s::text[], %s::text[]) "
            "WITH ORDINALITY AS u(p, a, n) ORDER BY n RETURNING id",
            (phones, accounts),
        ).fetchall()
    return [r[0] for r in got]


def accepted(sim: SimThread) -> int:
    return sim.call(lambda: int(sim.sim.counters.accepted))


def test_weights_70_30_hold_within_five_points_over_ten_thousand_messages(e2e: E2E) -> None:
    a, b = e2e.simulator(), e2e.simulator()
    start(
        e2e,
        a,
        b,
        [
            "[[routing.rules]]",
            'name = "default"',
            'group = "g"',
            "[routing.groups]",
            'g = [{ channel = "a", weight = 70 }, { channel = "b", weight = 30 }]',
        ],
    )
    total = 10_000
    insert(e2e, [(f"139{i:08d}", None) for i in range(total)])
    took = e2e.wait(e2e.all_final(total), 60, "every row final")
    assert e2e.counts() == {3: total}  # all DELIVERED
    channels = dict(e2e.query("SELECT channel, count(*) FROM sms_outbox GROUP BY channel"))
    got_a, got_b = accepted(a), accepted(b)
    print(f"weights 70/30 over {total} rows in {took:.1f} s: a {got_a}, b {got_b}")
    assert (got_a, got_b) == (channels["a"], channels["b"]) and got_a + got_b == total
    assert abs(got_a / total - 0.70) <= 0.05 and abs(got_b / total - 0.30) <= 0.05


def test_account_rule_before_region_rule_before_default(e2e: E2E) -> None:
    """lab01 -> b (even from Guangdong); other Guangdong numbers -> a; the rest -> b, so
    each rule is seen to decide: without the region rule Guangdong would go to b."""
    assert {lookup(p).province for p in GUANGDONG} == {"广东省"}
    assert "广东省" not in {lookup(p).province for p in ELSEWHERE}
    a, b = e2e.simulator(), e2e.simulator()
    start(
        e2e,
        a,
        b,
        [
            "[[routing.rules]]",
            'name = "lab"',
            'group = "gb"',
            'accounts = ["lab01"]',
            "[[routing.rules]]",
            'name = "guangdong"',
            'group = "ga"',
            'provinces = ["广东省"]',
            "[[routing.rules]]",
            'name = "default"',
            'group = "gb"',
            "[routing.groups]",
            'ga = [{ channel = "a" }]',
            'gb = [{ channel = "b" }]',
        ],
    )
    rows = [
        *((p, None) for p in GUANGDONG),  # -> a
        *((p, "lab01") for p in GUANGDONG),  # -> b
        *((p, "lab01") for p in ELSEWHERE),  # -> b
        *((p, "ward3") for p in ELSEWHERE),  # -> b
    ]
    ids = insert(e2e, rows)
    e2e.wait(e2e.all_final(len(rows)), 30, "every row final")
    assert e2e.counts() == {3: len(rows)}
    channel = dict(e2e.query("SELECT id, channel FROM sms_outbox"))
    assert [channel[i] for i in ids] == ["a"] * 3 + ["b"] * 9
    assert (accepted(a), accepted(b)) == (3, 9)
