"""Story: ops runs ``hisms bench`` against a scratch database and keeps the JSON.

Small counts: these check that each benchmark runs, does what it says to the
queue and prints its configuration beside its figures, not how fast it is.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest


@pytest.fixture
def bench(cli, pg_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HISMS_DATABASE__URL", pg_url)
    return lambda *args: _bench(cli, *args)


def _bench(cli: Any, *args: str) -> dict[str, Any]:
    done = cli.run("bench", *args)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["benchmark"] == args[0]
    assert result["database"] == "postgresql"
    assert done.stderr.strip(), "the human summary goes to stderr"
    return result


def _counts(url: str) -> dict[int, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT status, count(*) FROM sms_outbox GROUP BY status").fetchall()
    return {int(s): int(n) for s, n in rows}


def test_bench_intake_inserts_every_row_with_each_writer(bench, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    result = bench("intake", "--rows", "600", "--writers", "3", "--batch-size", "50")
    assert (result["rows"], result["writers"], result["batch_size"]) == (600, 3, 50)
    assert result["rows_per_second"] > 0
    assert _counts(pg_url) == {0: 600}


def test_bench_backlog_measures_the_claim_at_each_size(bench, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    result = bench("backlog", "--sizes", "500,2000", "--samples", "3", "--batch-size", "50")
    assert [r["pending"] for r in result["results"]] == [500, 2000]
    assert all(0 < r["claim_ms_p50"] <= r["claim_ms_max"] for r in result["results"])
    # each sample claims one batch and cancels it; each size is topped up to exactly that many
    assert _counts(pg_url) == {0: 2000 - 3 * 50, 7: 2 * 3 * 50}


def test_bench_priority_measures_urgent_rows_through_a_bulk_backlog(bench, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    result = bench("priority", "--bulk", "3000", "--urgent", "3")
    assert result["urgent_rows"] == 3
    assert 0 < result["urgent_submit_ms_p50"] <= result["urgent_submit_ms_max"]
    assert sum(_counts(pg_url).values()) == 3003


def test_bench_intake_via_sendbatch_posts_soap_over_http(bench, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    result = bench(
        "intake", "--via", "sendbatch", "--rows", "1200", "--writers", "2", "--batch-size", "500"
    )
    assert (result["via"], result["rows"], result["requests"]) == ("sendbatch", 1200, 3)
    assert _counts(pg_url) == {0: 1200}


def test_bench_intake_via_http_streams_signed_ndjson(bench, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    result = bench(
        "intake", "--via", "http", "--rows", "1200", "--writers", "2", "--batch-size", "500"
    )
    assert (result["via"], result["rows"], result["requests"]) == ("http", 1200, 3)
    assert result["algorithm"] == "HMAC-SM3"
    assert _counts(pg_url) == {0: 1200}


def test_bench_words_prints_the_cost_per_message(cli) -> None:  # type: ignore[no-untyped-def]
    done = cli.run("bench", "words", "--words", "300", "--messages", "50", "--rounds", "1")
    result = json.loads(done.stdout)
    assert (result["benchmark"], result["words"], result["messages"]) == ("words", 300, 50)
    assert result["us_per_message"] > 0 and result["us_per_message_with_a_hit"] > 0
    assert result["cpu_us_per_message"] > 0 and result["cpu_us_per_message_with_a_spaced_hit"] > 0
    assert len(result["load_average"]) == 3
    assert "us per message" in done.stderr and "load average" in done.stderr


def test_bench_console_loads_the_pages_of_logged_in_sessions(bench, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    result = bench("console", "--sessions", "8", "--seconds", "5", "--ramp", "1",
                   "--refresh", "1", "--search-every", "0.5", "--departments", "2",
                   "--workers", "2", "--messages", "100")  # fmt: skip
    assert (result["sessions"], result["workers"], result["departments"]) == (8, 2, 2)
    assert "refresh" in result["model"] and result["errors"] == {}
    for kind in ("login", "page", "series", "dashboard", "search"):
        assert {"p50", "count"} <= set(result[f"{kind}_ms"]), kind
    assert result["page_ms"]["count"] == 8 and result["login_ms"]["count"] == 3
    assert result["server_cpu_ms_per_request"] > 0 and len(result["load_average_before"]) == 3
    assert sum(_counts(pg_url).values()) == 100


def test_bench_targets_measures_each_figure_on_its_own_scratch_database(
    cli, pg_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HISMS_DATABASE__URL", pg_url)
    scratch = f"{pg_url.rsplit('/', 1)[1]}_targets"
    table = tmp_path / "targets.md"
    done = cli.run("bench", "targets", "--quick", "--runs", "2", "--only", "claim",
                   "--scratch", scratch, "--markdown", str(table))  # fmt: skip
    result = json.loads(done.stdout)
    claim = result["figures"]["claim"]
    assert len(claim["values"]) == len(claim["load"]) == 2
    assert claim["min"] <= claim["median"] <= claim["max"] and claim["target"] == 50_000
    assert "| claim + ack |" in table.read_text("utf-8") and "| claim + ack |" in done.stderr
    assert _counts(pg_url) == {}  # the runs went to the scratch database
    with psycopg.connect(pg_url) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (scratch,)).fetchall()
    assert left == []  # and it was dropped
    wrong = cli.run("bench", "targets", "--only", "claim,nonsense", check=False)
    assert wrong.returncode != 0 and "nonsense" in wrong.stderr
