"""``hisms bench``: the benchmarks' commands. Each prints its result as JSON on stdout
(configuration beside figures, to keep and compare) and a one-line summary on stderr.

The benchmark modules are imported by their command only, so ``hisms`` starts without them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import click

from hisms.engine.config import Settings


class _Obj(Protocol):
    """The ``hisms`` context object: the settings, loaded on first use."""

    @property
    def settings(self) -> Settings: ...


@click.group()
def bench() -> None:
    """Benchmarks: JSON on stdout, a summary on stderr."""


@bench.command("claim")
@click.option("--rows", default=50_000, show_default=True, type=click.IntRange(1))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 5000))
@click.pass_obj
def bench_claim(obj: _Obj, rows: int, workers: int, batch_size: int) -> None:
    """Rows/s claimed and acknowledged by the store, no carrier (the queue's ceiling).

    Inserts ROWS pending rows into the configured database first: point it at a
    scratch database, not production."""
    from hisms.engine.bench import claim

    result = claim.claim(_url(obj), rows, workers, batch_size)
    _report(
        result,
        f"claim: {result['rows_per_second']} rows/s ({workers} worker(s), batch {batch_size}, "
        f"{result['database']})",
    )


@bench.command("intake")
@click.option("--rows", default=50_000, show_default=True, type=click.IntRange(1))
@click.option("--writers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--batch-size",
    default=1,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="Rows per INSERT transaction (numbers per request with --via sendbatch or http); "
    "1 = single-row INSERTs as most HIS do.",
)
@click.option(
    "--via",
    type=click.Choice(["table", "sendsms", "sendbatch", "http", "smpp-server", "cmpp-server"]),
    default="table",
    show_default=True,
    help="table: INSERTs into sms_outbox; sendsms / sendbatch: SOAP SendSms (one number a "
    "request, --rows requests) / SendBatch over HTTP on 127.0.0.1, the WebService in a child "
    "process whose CPU and RSS are reported; "
    "http: the JSON API's NDJSON batches (HMAC-SM3 signed) over HTTP on 127.0.0.1; "
    "smpp-server / cmpp-server: submits to the socket intake on 127.0.0.1, one link a writer.",
)
@click.option(
    "--window",
    default=16,
    show_default=True,
    type=click.IntRange(1, 1024),
    help="With --via smpp-server / cmpp-server: unanswered submits per link.",
)
@click.option(
    "--ws-workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="With --via sendsms / sendbatch: WebService processes on the port ([webservice] workers).",
)
@click.pass_obj
def bench_intake(
    obj: _Obj, rows: int, writers: int, batch_size: int, via: str, window: int, ws_workers: int
) -> None:
    """Rows/s taken in by concurrent HIS-like writers (scratch database!)."""
    if via.endswith("-server"):
        from hisms.engine.bench import sockets

        result = sockets.intake(_url(obj), via, rows, writers, window)
        _report(
            result,
            f"intake via {via}: {result['rows_per_second']} rows/s ({writers} links, "
            f"window {window}, {result['database']})",
        )
        return
    if via == "sendsms":
        from hisms.engine.bench import soap

        result = soap.sendsms(_url(obj), rows, writers, ws_workers)
        _report(
            result,
            f"intake via sendsms: {result['requests_per_second']} requests/s ({writers} "
            f"connections, server {result['server_cpu_ms_per_request']} ms CPU a request, "
            f"{result['database']})",
        )
        return
    if via == "sendbatch":
        from hisms.engine.bench import soap

        result = soap.sendbatch(_url(obj), rows, writers, batch_size, ws_workers)
        _report(
            result,
            f"intake via sendbatch: {result['rows_per_second']} rows/s in {result['seconds']} s "
            f"({writers} writers, batch {batch_size}; server peak RSS "
            f"{result['server_peak_rss_mb']} MB, {result['server_rss_after_mb']} MB after, "
            f"{result['database']})",
        )
        return
    if via == "http":
        from hisms.engine.bench import jsonapi

        result = jsonapi.batches(_url(obj), rows, writers, batch_size)
    else:
        from hisms.engine.bench import load

        result = load.intake(_url(obj), rows, writers, batch_size)
    _report(
        result,
        f"intake via {via}: {result['rows_per_second']} rows/s ({writers} writers, "
        f"batch {batch_size}, {result['database']})",
    )


@bench.command("backlog")
@click.option(
    "--sizes",
    default="10000,100000",
    show_default=True,
    help="Pending-row counts to measure at, comma separated (e.g. 10000,100000,1000000).",
)
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 5000))
@click.option("--samples", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.pass_obj
def bench_backlog(obj: _Obj, sizes: str, batch_size: int, samples: int) -> None:
    """Claim latency as the pending backlog grows: it should stay flat (scratch database!)."""
    from hisms.engine.bench import load

    counts = [int(s) for s in sizes.split(",") if s.strip()]
    result = load.backlog(_url(obj), counts, batch_size, samples)
    lines = ", ".join(f"{r['pending']}: {r['claim_ms_p50']} ms" for r in result["results"])
    _report(result, f"backlog claim p50 by pending rows: {lines}")


@bench.command("priority")
@click.option("--bulk", default=100_000, show_default=True, type=click.IntRange(1))
@click.option("--urgent", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 5000))
@click.pass_obj
def bench_priority(obj: _Obj, bulk: int, urgent: int, batch_size: int) -> None:
    """Latency of priority-0 rows while a bulk backlog drains (scratch database!)."""
    from hisms.engine.bench import load

    result = load.priority(_url(obj), bulk, urgent, batch_size)
    _report(
        result,
        f"priority: urgent insert->submit p50 {result['urgent_submit_ms_p50']} ms, "
        f"max {result['urgent_submit_ms_max']} ms with {bulk} bulk rows draining",
    )


@bench.command("e2e")
@click.option("--count", default=100_000, show_default=True, type=click.IntRange(1))
@click.option(
    "--rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Offered rows/s; 0 = insert every row up front.",
)
@click.option(
    "--insert-batch",
    default=0,
    type=click.IntRange(0, 100_000),
    help="Rows per INSERT [default: one INSERT every 10 ms at --rate, 10000 with --rate 0].",
)
@click.option("--window", default=16, show_default=True, type=click.IntRange(1, 1024))
@click.option("--connections", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 5000))
@click.option("--inflight", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--pool-size", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--report-delay",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds the simulator waits before each delivery report.",
)
@click.option(
    "--protocol",
    type=click.Choice(["cmpp", "http"]),
    default="cmpp",
    show_default=True,
    help="cmpp: CMPP 3.0 (--window x --connections); http: the generic HTTP gateway "
    "(100 numbers a request, 4 x --connections requests in flight, reports pushed).",
)
@click.option(
    "--force", is_flag=True, help="Run although sms_outbox has (finished) rows; they are ignored."
)
@click.option(
    "--engines",
    default=1,
    show_default=True,
    type=click.IntRange(1, 8),
    help="Engine processes (worker ids bench-e2e-1...) sharing the channel's --connections "
    "(CMPP only).",
)
@click.option(
    "--profile",
    default="",
    help="Run the engine under cProfile and write its stats to this file (pstats format; "
    "FILE.N for engine N of several).",
)
@click.pass_obj
def bench_e2e(obj: _Obj, /, **options: Any) -> None:
    """Messages/s from INSERT to DELIVERED through CMPP (or the generic HTTP gateway) to a
    simulator, with latencies.

    The simulator and the engine run in processes of their own; rows are inserted at
    the offered rate. PostgreSQL only, on a scratch database: it refuses a database
    with unfinished messages, and one with any rows unless --force."""
    from hisms.engine.bench import e2e

    try:
        result = e2e.run(obj.settings, e2e.Options(**options))
    except e2e.BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    submit, delivered = result["insert_to_submit_ms"], result["insert_to_delivered_ms"]
    offered = (
        f"offered at {result['rate']:g}/s (inserted at {result['offered_per_second']}/s)"
        if result["rate"]
        else "inserted up front"
    )
    _report(
        result,
        f"e2e: {result['messages_per_second']} msgs/s INSERT->DELIVERED, {result['rows']} rows "
        f"{offered} ({result['protocol']}, window {result['window']} x "
        f"{result['connections']} connections, batch {result['batch_size']} x "
        f"{result['inflight_batches']} in flight, {result['engines']} engine process(es), "
        f"postgresql); ms p50/p95/p99: insert->submit "
        f"{submit['p50']}/{submit['p95']}/{submit['p99']}, insert->delivered "
        f"{delivered['p50']}/{delivered['p95']}/{delivered['p99']}; deadlocks "
        f"{result['deadlocks']}, retried flushes {result['retried_flushes']}, retried "
        f"write-backs {result['retried_write_backs']}",
    )


@bench.command("soak")
@click.option("--rate", default=1000.0, show_default=True, type=click.FloatRange(0.1))
@click.option("--minutes", default=30.0, show_default=True, type=click.FloatRange(0.1))
@click.option(
    "--plot",
    default="soak.png",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the PNG of the curves goes.",
)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 5000))
@click.pass_obj
def bench_soak(obj: _Obj, /, **options: Any) -> None:
    """The e2e setup (CMPP) fed at --rate for --minutes: memory of every process, claim
    latency and insert->submit p99 sampled each minute, with their slopes; fails when a
    row is lost. Not part of `make test`. PostgreSQL only, on a scratch database."""
    from hisms.engine.bench import e2e, soak

    try:
        result = soak.run(obj.settings, soak.Options(**options))
    except e2e.BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    slopes = ", ".join(
        f"{k} {v:+g}" for k, v in result["slopes_per_minute"].items() if v is not None
    )
    _report(
        result,
        f"soak: {result['rows']} rows at {result['rate']:g}/s for {result['minutes']:g} min, "
        f"lost {result['lost']}; slopes per minute: {slopes or '(too few samples)'}; "
        f"plot {result['plot']}",
    )
    if result["lost"]:
        raise click.ClickException(f"{result['lost']} rows lost or unfinished")


@bench.command("cloud")
@click.option("--provider", type=click.Choice(["aliyun", "tencent"]), required=True)
@click.option("--count", default=5_000, show_default=True, type=click.IntRange(1))
@click.option("--connections", default=16, show_default=True, type=click.IntRange(1, 256))
@click.option("--report-delay", default=0.1, show_default=True, type=click.FloatRange(0))
@click.option(
    "--numbers-per-request",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Aliyun: above 1, SendBatchSms with this many numbers",
)
@click.pass_obj
def bench_cloud(
    obj: _Obj,
    provider: str,
    count: int,
    connections: int,
    report_delay: float,
    numbers_per_request: int,
) -> None:
    """Messages/s from enqueue to DELIVERED through a cloud SMS carrier (the official SDK)
    and its simulator, reports pushed back; on the configured database (a scratch one)."""
    from hisms.engine.bench import cloud

    try:
        result = cloud.run(
            obj.settings, provider, count, connections, report_delay, numbers_per_request
        )
    except cloud.BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(
        result,
        f"cloud {provider}: {result['messages_per_second']} msgs/s enqueue->final, "
        f"{count} rows, {connections} requests in flight, "
        f"{result['numbers_per_request']} numbers a request at most, {result['database']}",
    )


@bench.command("history")
@click.option("--rows", default=10_000_000, show_default=True, type=click.IntRange(7))
@click.option("--months", default=7, show_default=True, type=click.IntRange(7, 24))
@click.option("--pending", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--lookups", default=200, show_default=True, type=click.IntRange(1))
@click.pass_obj
def bench_history(obj: _Obj, rows: int, months: int, pending: int, lookups: int) -> None:
    """Claim latency as ROWS of generated history fill MONTHS past months, phone lookups,
    and the oldest month's archive (time, peak memory). PostgreSQL, on a scratch database:
    it refuses one with messages."""
    from hisms.engine.bench import history

    try:
        result = history.run(_url(obj), rows, months, pending, lookups)
    except history.BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    first, last = result["claim_by_history"][0], result["claim_by_history"][-1]
    lookup, archived = result["phone_lookup"], result["archive"]
    _report(
        result,
        f"history: claim p50 {first['claim_ms_p50']} ms with no history, "
        f"{last['claim_ms_p50']} ms with {last['history_rows']} rows ({pending} pending); "
        f"phone lookup p50/p95 {lookup['ms_p50']}/{lookup['ms_p95']} ms; archive of "
        f"{archived['rows']} rows in {archived['seconds']} s, Python peak "
        f"{archived['python_peak_bytes'] // 1024} KiB",
    )


@bench.command("chaos")
@click.option("--minutes", default=10.0, show_default=True, type=click.FloatRange(0.5))
@click.option("--rate", default=1000.0, show_default=True, type=click.FloatRange(1), help="Rows/s.")
@click.option(
    "--fault-every", default=20.0, show_default=True, type=click.FloatRange(1), help="Seconds."
)
@click.option("--seed", default=0, show_default=True, type=int, help="Which faults, in what order.")
@click.option(
    "--faults",
    default="all",
    show_default=True,
    help="Comma-separated kinds to draw from: kill_engine, restart_database, drop_gateway, "
    "throttle, lost_answers, duplicate_reports, poisoned_mo.",
)
def bench_chaos(minutes: float, rate: float, fault_every: float, seed: int, faults: str) -> None:
    """Two engines, a CMPP and an SMPP simulator, rows at RATE/s and a random fault every
    FAULT_EVERY s; then every row must be final and the duplicates of each fault within its
    bound. Starts its own PostgreSQL (initdb/pg_ctl); needs no configuration. Exits 1 when
    a check fails."""
    from hisms.engine.bench import chaos

    kinds = chaos.FAULTS if faults == "all" else tuple(f.strip() for f in faults.split(","))
    options = chaos.Options(minutes, rate, fault_every, seed, kinds)
    try:
        result = chaos.run(options)
    except chaos.BenchError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(result, chaos.table(result))
    if not result["ok"]:
        raise SystemExit(1)


@bench.command("words")
@click.option("--words", "word_count", default=10_000, show_default=True, type=click.IntRange(1))
@click.option("--messages", default=2_000, show_default=True, type=click.IntRange(1))
@click.option("--rounds", default=5, show_default=True, type=click.IntRange(1))
def bench_words(word_count: int, messages: int, rounds: int) -> None:
    """Microseconds per message of the sensitive-word check with WORDS generated words
    (no database: the check alone, best of ROUNDS passes over MESSAGES texts), in
    wall-clock and in CPU time, with the load average."""
    from hisms.engine.bench import words

    result = words.run(word_count, messages, rounds)
    _report(
        result,
        f"words: {result['us_per_message']} us per message without a hit, "
        f"{result['us_per_message_with_a_hit']} us with one, "
        f"{result['us_per_message_with_a_spaced_hit']} us with one spaced out "
        f"({word_count} words); "
        f"CPU {result['cpu_us_per_message']} / {result['cpu_us_per_message_with_a_hit']} / "
        f"{result['cpu_us_per_message_with_a_spaced_hit']} us; "
        f"load average {' '.join(map(str, result['load_average']))}",
    )


@bench.command("console")
@click.option("--sessions", default=2500, show_default=True, type=click.IntRange(1, 20_000))
@click.option("--seconds", default=60.0, show_default=True, type=click.FloatRange(1, 3600),
              help="The whole run, the ramp included.")  # fmt: skip
@click.option("--ramp", default=20.0, show_default=True, type=click.FloatRange(0, 3600),
              help="Sessions start at random within these first seconds.")  # fmt: skip
@click.option("--refresh", default=5.0, show_default=True, type=click.FloatRange(1, 600),
              help="The dashboard's refresh ([console] refresh_seconds).")  # fmt: skip
@click.option("--search-every", default=60.0, show_default=True,
              type=click.FloatRange(0.1, 3600),
              help="Mean seconds between a user's searches (exponential think time).")  # fmt: skip
@click.option(
    "--departments",
    default=4,
    show_default=True,
    type=click.IntRange(0, 100),
    help="Department users besides the operator; sessions take them in turn.",
)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="`hisms console --workers`.")  # fmt: skip
@click.option(
    "--messages",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Rows to add to the outbox first, for the searches to look through.",
)
@click.pass_obj
def bench_console(obj: _Obj, /, **options: Any) -> None:
    """Concurrent logged-in users on the web console: dashboard and searches, p50/p95/p99.

    Runs `hisms console` on the configured database (a scratch one: it adds bench users)."""
    from hisms.engine.bench import console

    plan = console.Plan(**options)
    result = console.console(_url(obj), plan)
    dash, search = result.get("dashboard_ms", {}), result.get("search_ms", {})
    _report(
        result,
        f"console: {plan.sessions} sessions, {plan.workers} worker(s), "
        f"{result['requests_per_second']} req/s, dashboard p95 {dash.get('p95')} ms, search p95 "
        f"{search.get('p95')} ms, {result['server_cpu_ms_per_request']} CPU ms/request, "
        f"errors {result['errors']}, load {result['load_average_before'][0]}",
    )


def _url(obj: _Obj) -> str:
    return obj.settings.database.url.get_secret_value()


def _report(result: dict[str, Any], summary: str) -> None:
    click.echo(json.dumps(result, ensure_ascii=False))
    click.echo(summary, err=True)


@bench.command("targets")
@click.option("--runs", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option(
    "--only",
    default="e2e,e2e_1m,p99_4000,claim,sendsms,sendbatch",
    show_default=True,
    help="Comma-separated figures to measure.",
)
@click.option("--quick", is_flag=True, help="Tiny counts: checks the machinery, not the figures.")
@click.option("--scratch", default="hisms_bench_targets", show_default=True,
              help="The database made and dropped for each run.")  # fmt: skip
@click.option("--markdown", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the table for BENCHMARKS.md here.")  # fmt: skip
@click.pass_obj
def bench_targets(
    obj: _Obj, runs: int, only: str, quick: bool, scratch: str, markdown: Path | None
) -> None:
    """The performance issue's table: each figure RUNS times on a fresh scratch database
    (--scratch, on the configured PostgreSQL server, dropped after each run), its
    median and range beside its target, with the load average before and after each run."""
    from hisms.engine.bench import targets

    keys = [k.strip() for k in only.split(",") if k.strip()]
    unknown = set(keys) - {f.key for f in targets.FIGURES}
    if unknown:
        raise click.BadParameter(
            f"unknown figures: {', '.join(sorted(unknown))}", param_hint="--only"
        )
    try:
        result = targets.run(
            _url(obj), keys, runs, quick, lambda m: click.echo(m, err=True), scratch
        )
    except (ValueError, RuntimeError) as exc:
        raise click.ClickException(str(exc)) from None
    table = targets.markdown(result)
    if markdown is not None:
        markdown.write_text(table + "\n", "utf-8")
    _report(result, table)


@bench.command("report")
@click.option("--messages", default=10_000_000, show_default=True, type=click.IntRange(1))
@click.option("--month", default="2001-01", show_default=True, help="YYYY-MM to generate.")
@click.option("--per-bucket", default=20, show_default=True, type=click.IntRange(1))
@click.option("--rounds", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option("--export-rows", default=1_000_000, show_default=True, type=click.IntRange(1))
@click.pass_obj
def bench_report(obj: _Obj, /, **options: Any) -> None:
    """A month's reports on the generated rollup of MESSAGES messages, and the time and peak
    memory of an Excel export of EXPORT_ROWS rows (scratch database: it adds rollup rows)."""
    from hisms.engine.bench import report

    result = report.run(_url(obj), zone=obj.settings.timezone, **options)
    slowest = max(result["reports"], key=lambda r: r["ms_best"])
    _report(
        result,
        f"report: a month of {result['messages']} messages ({result['rollup_rows']} rollup "
        f"rows), slowest kind {slowest['kind']} by {slowest['by']} {slowest['ms_best']} ms "
        f"(first {slowest['ms_first']} ms); export of {result['export_rows']} rows "
        f"{result['export_seconds']} s, peak {result['export_peak_rss_mb']} MB "
        f"({result['database']})",
    )
