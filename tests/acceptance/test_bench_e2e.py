"""Story: ops measures INSERT -> DELIVERED through CMPP on a scratch database and keeps the JSON.

Small counts: these check that ``hisms bench e2e`` runs the rows through the
engine and the simulator to a final status, prints its configuration beside
its figures, and refuses a database that is not a scratch one; not how fast it is.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest


@pytest.fixture
def e2e(cli, pg_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HISMS_DATABASE__URL", pg_url)
    return lambda *args, check=True: cli.run("bench", "e2e", *args, check=check)


def _result(done: Any) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["benchmark"], result["database"], result["protocol"]) == (
        "e2e",
        "postgresql",
        "CMPP 3.0",
    )
    assert "e2e:" in done.stderr, "the human summary goes to stderr"
    return result


def _counts(url: str) -> dict[int, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT status, count(*) FROM sms_outbox GROUP BY status").fetchall()
    return {int(s): int(n) for s, n in rows}


def _assert_ordered(latencies: dict[str, float]) -> None:
    assert 0 <= latencies["p50"] <= latencies["p95"] <= latencies["p99"] <= latencies["max"]


def _assert_figures(result: dict[str, Any], rows: int) -> None:
    assert result["rows"] == rows
    assert result["statuses"] == {"DELIVERED": rows}
    assert result["simulator_submits"] >= rows  # a resend would add, never lose
    assert result["messages_per_second"] > 0
    submit, delivered = result["insert_to_submit_ms"], result["insert_to_delivered_ms"]
    _assert_ordered(submit)
    _assert_ordered(delivered)
    # every row is delivered after it was submitted, so each percentile is too
    assert all(submit[k] <= delivered[k] for k in submit)
    assert set(result["cpu_seconds"]) == {"engine", "simulator", "inserter", "postgresql"}
    assert result["cpu_us_per_message"]["engine"] > 0
    # the engine's statements, counted by the store (a trickle gets small batches)
    statements = result["statements_per_message"]
    assert 0 < statements["transactions"] <= statements["total"]
    assert statements["by_query"]["claim"] > 0
    assert result["sms_outbox_tuples"]["inserted"] == rows
    assert len(result["engine_processes"]) == result["engines"]
    # counted by the engine, so that a lock-ordering regression shows (issue 12)
    retries = ("deadlocks", "retried_flushes", "retried_write_backs")
    assert all(isinstance(result[k], int) and result[k] >= 0 for k in retries)


def test_every_row_inserted_up_front_reaches_delivered(e2e, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    result = _result(e2e("--count", "2000", "--report-delay", "0.05"))
    config = {k: result[k] for k in ("count", "rate", "insert_batch", "window", "connections")}
    assert config == {"count": 2000, "rate": 0, "insert_batch": 10_000, "window": 16,
                      "connections": 2}  # fmt: skip
    assert (result["batch_size"], result["inflight_batches"], result["pool_size"]) == (500, 4, 8)
    assert result["report_delay"] == 0.05 and result["writeback_every_seconds"] > 0
    _assert_figures(result, 2000)
    assert result["statements_per_message"]["total"] < 1  # batched: far fewer than one a row
    assert _counts(pg_url) == {3: 2000}


def test_rows_offered_at_a_rate_in_small_inserts(e2e, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    args = ("--count", "1000", "--rate", "500", "--window", "8", "--connections", "1",
            "--batch-size", "100")  # fmt: skip
    result = _result(e2e(*args))
    assert (result["rate"], result["insert_batch"], result["window"]) == (500, 5, 8)
    assert (result["connections"], result["batch_size"]) == (1, 100)
    assert result["offered_per_second"] > 0
    _assert_figures(result, 1000)
    assert _counts(pg_url) == {3: 1000}


def test_refuses_a_database_that_is_not_a_scratch_one(e2e, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO sms_outbox (phone, content) VALUES ('13800138000', 'x')")
        refused = e2e("--count", "10", "--force", check=False)
        assert refused.returncode != 0
        assert "1 unfinished messages" in refused.stderr  # the bench engine would send them
        conn.execute("UPDATE sms_outbox SET status = 7")
        refused = e2e("--count", "10", check=False)
        assert refused.returncode != 0 and "--force" in refused.stderr
    result = _result(e2e("--count", "10", "--force"))
    assert result["rows"] == 10  # the earlier row is neither touched nor counted
    assert _counts(pg_url) == {7: 1, 3: 10}


def test_the_http_gateway_is_measured_the_same_way(e2e, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    done = e2e("--protocol", "http", "--count", "300")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["protocol"].startswith("generic HTTP gateway")
    assert result["statuses"] == {"DELIVERED": 300} and result["rows"] == 300
    assert 3 <= result["simulator_submits"] < 300  # 100 numbers a request
    assert _counts(pg_url) == {3: 300}


def test_two_engines_share_the_channel_and_both_send(e2e, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    # Small batches, few in flight: one engine holds at most 200 rows at a time, so the
    # other cannot miss the run by waking late (with 4 x 500 in flight the first engine
    # claimed all 3,000 rows before the second woke, on a loaded machine).
    small = ("--batch-size", "100", "--inflight", "2")
    result = _result(e2e("--count", "3000", "--engines", "2", "--report-delay", "0.05", *small))
    assert (result["engines"], result["connections"]) == (2, 2)  # one connection each
    _assert_figures(result, 3000)
    engines = result["engine_processes"]
    assert [e["worker"] for e in engines] == ["bench-e2e-1", "bench-e2e-2"]
    assert all(e["submitted"] > 0 and e["cpu_seconds"] > 0 for e in engines), engines
    assert sum(e["submitted"] for e in engines) >= 3000  # a resend would add, never lose
    assert result["cpu_seconds"]["engine"] >= max(e["cpu_seconds"] for e in engines)
    assert _counts(pg_url) == {3: 3000}


def test_several_engines_need_cmpp(e2e) -> None:  # type: ignore[no-untyped-def]
    refused = e2e("--protocol", "http", "--engines", "2", "--count", "10", check=False)
    assert refused.returncode != 0 and "needs --protocol cmpp" in refused.stderr
