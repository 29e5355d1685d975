"""Story: ops runs the soak at a steady rate and keeps the JSON and the PNG of its curves.

A few seconds at a tiny rate: this checks that ``hisms bench soak`` samples every process's
memory, the claim's latency and the submit p99, reports slopes and sizes, loses nothing and
draws the plot; the long form (`--minutes 30`) is for BENCHMARKS.md, not the suite.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest


def test_a_short_soak_samples_the_curves_and_draws_them(
    cli,  # type: ignore[no-untyped-def]
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HISMS_DATABASE__URL", pg_url)
    plot = tmp_path / "soak.png"
    done = cli.run("bench", "soak", "--rate", "40", "--minutes", "0.1", "--plot", str(plot))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["benchmark"], result["rows"], result["lost"]) == ("soak", 240, 0)
    assert result["simulator_submits"] >= 240 and result["not_delivered"] == 0
    assert len(result["samples"]) >= 5
    first = result["samples"][0]
    assert set(first["rss_mb"]) == {"engine", "simulator", "bench", "postgresql"}
    assert first["rss_mb"]["engine"] > 10 and first["claim_ms"] >= 0
    assert any(s["submit_p99_ms"] is not None for s in result["samples"])
    assert {"claim_ms", "rss_mb.engine", "submit_p99_ms"} <= set(result["slopes_per_minute"])
    assert result["table_bytes"]["sms_outbox"] > 0 and result["index_bytes"]["sms_outbox_pkey"] > 0
    assert plot.read_bytes().startswith(b"\x89PNG")
    assert "soak:" in done.stderr and "lost 0" in done.stderr
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM sms_outbox WHERE status = 3").fetchone() == (240,)


def test_refuses_a_database_with_rows(cli, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HISMS_DATABASE__URL", pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO sms_outbox (phone, content, status) VALUES ('13800138000', 'x', 7)"
        )
    refused = cli.run("bench", "soak", "--rate", "10", "--minutes", "0.1", check=False)
    assert refused.returncode != 0 and "scratch database" in refused.stderr
