"""Issue 3, end to end: 10,000 outbox rows through ``hisms run`` and the CMPP simulator,
and MO replies correlated with their MT (by extension code, else the last MT).
"""

from __future__ import annotations

from collections import Counter

from hisms.carrier.simulator import ReportPlan
from hisms.carrier.wire import udh

ROWS = 10_000
LONG_EVERY = 10  # one message in ten needs three parts
FAIL_RATIO, SEED = 0.1, 7
SHORT = "您的检验报告已出，请登录APP查看。"
LONG = (  # 154 UCS2 units with the signature: three concatenated parts
    "尊敬的患者：您预约的心内科专家门诊将于明日上午九点开诊，请携带身份证和医保卡提前三十分钟"
    "到门诊二楼自助机取号，如需取消请提前一天操作，逾期视为爽约。"
) * 2


def test_ten_thousand_rows_are_delivered_or_failed_per_the_report_mix(e2e) -> None:  # type: ignore[no-untyped-def]
    sim = e2e.simulator(report_delay=0.2, fail_ratio=FAIL_RATIO, seed=SEED, mo_rules=())
    rows = [
        ("HIS", f"R{i}", f"138{i:08d}", LONG if i % LONG_EVERY == 0 else SHORT) for i in range(ROWS)
    ]
    e2e.insert(rows)
    e2e.run(sim.port)
    took = e2e.wait(e2e.all_final(ROWS), timeout=240, what=f"{ROWS} rows final")
    print(f"\n{ROWS} rows final in {took:.1f}s ({ROWS / took:.0f} msgs/s)")

    assert set(e2e.counts()) <= {3, 4}
    missing = e2e.query(
        "SELECT count(*) FROM sms_outbox WHERE carrier_msg_id IS NULL OR submitted_at IS NULL "
        "OR report_stat IS NULL OR report_at IS NULL OR segments IS NULL"
    )
    assert missing == [(0,)]
    bad_failures = e2e.query(
        "SELECT count(*) FROM sms_outbox WHERE status = 4 "
        "AND (error_code IS DISTINCT FROM report_stat OR report_stat = 'DELIVRD' "
        "     OR error_text IS NULL)"
    )
    assert bad_failures == [(0,)]

    # Every part the engine recorded got exactly the stat the simulator chose for its Msg_Id.
    segments = e2e.query(
        "SELECT s.outbox_id, s.seq, s.total, s.carrier_msg_id, s.report_stat, o.segments, "
        "o.status FROM sms_segment s JOIN sms_outbox o ON o.id = s.outbox_id"
    )
    recorded = sim.call(lambda: dict(sim.sim.recorded.stats))
    parts = ROWS + (ROWS // LONG_EVERY) * 2
    assert len(segments) == parts == len(recorded)
    assert all(recorded[s[3]] == s[4] for s in segments)
    assert all(s[2] == s[5] for s in segments)

    # The mix is the seed's: the first N stats of the simulator's plan, whatever the order.
    plan = ReportPlan(sim.sim.config)  # a fresh plan with the same seed
    assert Counter(recorded.values()) == Counter(plan.stat() for _ in range(parts))
    failed_ids = {s[0] for s in segments if s[4] != "DELIVRD"}
    counts = e2e.counts()
    assert counts.get(4, 0) == len(failed_ids) and counts[3] == ROWS - len(failed_ids)
    assert all((s[6] == 4) == (s[0] in failed_ids) for s in segments)
    print(f"parts {parts}, stats {dict(Counter(recorded.values()))}, rows {counts}")

    # Long messages reached the gateway as UDH parts (05 00 03 ref total seq).
    multi = [(total, seq, header) for total, seq, header in sim.sim.recorded.parts if total > 1]
    assert len(multi) == (ROWS // LONG_EVERY) * 3
    for total, seq, header in multi:
        concat, _ = udh.split(header + b"\x00x")
        assert header[:3] == b"\x05\x00\x03" and (concat.total, concat.seq) == (total, seq) == (
            3,
            seq,
        )
    assert sorted(seq for _, seq, _ in multi) == sorted([1, 2, 3] * (ROWS // LONG_EVERY))


def test_mo_replies_are_correlated_by_extension_else_last_mt(e2e) -> None:  # type: ignore[no-untyped-def]
    sim = e2e.simulator(report_delay=0.05, mo_delay=0.2)  # default rules: "预约" -> "1"
    base = e2e.src_number
    engine = e2e.run(sim.port)
    phone = "13912345678"
    (his_id,) = e2e.insert([("HIS", "APPT-1", phone, "您预约的门诊明天开诊，回复1确认")])
    e2e.wait(lambda: e2e.counts().get(3) == 1, timeout=30, what="HIS reminder delivered")
    (lis_id,) = e2e.insert([("LIS", "LAB-1", phone, "您的检验报告已出")])
    e2e.wait(lambda: e2e.counts().get(3) == 2, timeout=30, what="LIS notice delivered")
    # The rule reply "1" went to 10690123 + "01" (HIS) before the LIS notice existed; now the
    # patient replies again to HIS's number, and once to the bare service number.
    sim.call(lambda: sim.sim.send_mo(phone, "确认", base + "01"))
    sim.call(lambda: sim.sim.send_mo(phone, "收到", base))
    sim.call(lambda: sim.sim.send_mo("13700000000", "谁？", base + "02"))
    e2e.wait(lambda: e2e.query("SELECT count(*) FROM sms_inbox") == [(4,)], timeout=30, what="4 MO")
    inbox = {
        r[0]: r[1:]
        for r in e2e.query(
            "SELECT content, phone, service_number, outbox_id, source_system FROM sms_inbox"
        )
    }
    assert inbox["1"] == (phone, base + "01", his_id, "HIS")  # by extension
    assert inbox["确认"] == (phone, base + "01", his_id, "HIS")  # not the later LIS MT
    assert inbox["收到"] == (phone, base, lis_id, "LIS")  # no extension: the last MT
    assert inbox["谁？"] == ("13700000000", base + "02", None, "LIS")  # no MT to correlate
    assert "Traceback" not in engine.log()
