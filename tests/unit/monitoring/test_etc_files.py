"""etc/grafana-dashboard.json and etc/prometheus-alerts.yml name only metrics hisms serves,
and the alert rules cover every built-in alarm."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hisms.carrier.session.settings import SessionStats
from hisms.monitoring.metrics import Metrics
from hisms.monitoring.rules import RULES

ETC = Path(__file__).resolve().parents[3] / "etc"
_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def _served() -> set[str]:
    """Every metric name /metrics can show (the channel families: from SessionStats)."""
    metrics = Metrics("w")
    metrics.part("c", "accepted", 0.1)
    metrics.report("c", "mobile", True)
    metrics.request("SendSms", "ok", 0.1)
    metrics.pushed("HIS", 1.0)
    metrics.push_failed("HIS")
    metrics.mo("c")
    metrics.claimed("bulk", 1)
    metrics.written("bulk", ["submitted"])
    metrics.reclaimed(1, 0)
    metrics.pending("bulk", 1.0, 1)
    metrics.database(True)
    text = generate_latest(metrics.registry).decode()
    names = {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    names |= {f"hisms_channel_{field}_total" for field in SessionStats.__dataclass_fields__}
    names |= {"hisms_channel_up", "hisms_channel_state", "hisms_channel_takes_traffic"}
    names |= {"hisms_link_up", "hisms_window_used", "hisms_window_size"}
    return names | {"hisms_channel_queue", "hisms_report_success_ratio"}


def _named(text: str) -> set[str]:
    return set(re.findall(r"\bhisms_[a-z_]+", text))


def test_the_dashboard_and_the_alert_rules_use_served_metrics() -> None:
    served = _served()
    dashboard = json.loads((ETC / "grafana-dashboard.json").read_text("utf-8"))
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    exprs += " " + dashboard["templating"]["list"][1]["query"]
    rules = (ETC / "prometheus-alerts.yml").read_text("utf-8")
    for where, text in (("dashboard", exprs), ("alert rules", rules)):
        unknown = {n for n in _named(text) if n not in served}
        assert not unknown, f"{where} names metrics hisms does not serve: {unknown}"


def test_every_built_in_alarm_has_a_prometheus_rule() -> None:
    rules = (ETC / "prometheus-alerts.yml").read_text("utf-8")
    covered = set(re.findall(r"- alert: \w+  # (\w+)", rules))
    assert {rule.__name__ for rule in RULES} <= covered
