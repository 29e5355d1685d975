"""``hisms bench e2e``: messages/s from INSERT to DELIVERED through CMPP (or the generic
HTTP gateway, ``--protocol http``), with latencies.

Three processes, so none shares a GIL with another: the gateway simulator and the
engine (as ``hisms run`` builds it) each run in a child process
(:mod:`hisms.engine.bench.e2e_procs`); this one INSERTs rows at the offered rate,
as a HIS writing to ``sms_outbox`` would, and waits until every row is final. With
``engines`` > 1 there are that many engine processes, each with its own worker id,
sharing the channel's ``connections`` through the database as engines of one hospital do.

The figures come from the rows' own timestamps, computed by PostgreSQL
(``percentile_cont``): insert->submit is ``submitted_at - created_at``;
insert->delivered is ``updated_at - created_at`` of a DELIVERED row, i.e. when
the engine wrote the report back (``report_at`` is the carrier's done time,
which CMPP gives to the minute). PostgreSQL only; it refuses a database with
unfinished messages (the bench engine would send them), and one with any rows
unless forced.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import socket
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from multiprocessing.process import BaseProcess
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from hisms.carrier.aggregator.simulator import channel_options
from hisms.engine.bench import e2e_procs as procs
from hisms.engine.config import ChannelConfig, Settings, ValidationConfig
from hisms.engine.shares import fair_slots
from hisms.monitoring.settings import AlarmConfig, MonitoringConfig

CONTENT = "您的检验报告已出，请登录查看。"
PROTOCOLS = {"cmpp": "CMPP 3.0", "http": "generic HTTP gateway (etc/http-gateway.toml's API)"}
STALL_SECONDS = 60.0  # no row became final for this long: something is wrong, stop
FRACTIONS = (0.5, 0.95, 0.99)

INSERT_ROWS = """
WITH ins AS (
    INSERT INTO sms_outbox (source_system, source_ref, phone, content, created_by, updated_by)
    SELECT 'BENCH', %(tag)s || '-' || i, '138' || lpad(mod(i, 100000000)::text, 8, '0'),
           %(content)s, %(tag)s, %(tag)s
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
    RETURNING id
)
SELECT min(id), max(id) FROM ins
"""
# The oldest unfinished row at or after a mark: rows finish roughly in id order, so each
# poll walks the primary key only over the rows finished since the last one.
OLDEST_OPEN = "SELECT min(id) FROM sms_outbox WHERE id BETWEEN %s AND %s AND status < 3"
FIGURES = """
SELECT count(*), count(*) FILTER (WHERE status = 3),
       extract(epoch FROM max(created_at) - min(created_at))::float8,
       extract(epoch FROM max(submitted_at) - min(created_at))::float8,
       extract(epoch FROM max(updated_at) - min(created_at))::float8,
       percentile_cont(%(fractions)s::float8[]) WITHIN GROUP (ORDER BY s.ms),
       max(s.ms),
       percentile_cont(%(fractions)s::float8[]) WITHIN GROUP (ORDER BY d.ms)
           FILTER (WHERE status = 3),
       max(d.ms) FILTER (WHERE status = 3)
FROM sms_outbox,
     LATERAL (SELECT 1000 * extract(epoch FROM submitted_at - created_at)::float8 AS ms) s,
     LATERAL (SELECT 1000 * extract(epoch FROM updated_at - created_at)::float8 AS ms) d
WHERE id BETWEEN %(lo)s AND %(hi)s AND created_by = %(tag)s
"""
# The other backends on the bench's database: the engine's (and the listener's) connections.
BACKENDS = """
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""
# Row versions written to sms_outbox so far (summed over its partitions, where it has
# them), and how many of the updates stayed HOT.
TUPLES = """
SELECT sum(s.n_tup_ins), sum(s.n_tup_upd), sum(s.n_tup_hot_upd)
FROM pg_stat_user_tables s
WHERE coalesce(pg_partition_root(s.relid), s.relid) = 'sms_outbox'::regclass
"""
STATUSES = """
SELECT st.name, count(*) FROM sms_outbox o JOIN sms_status st ON st.code = o.status
WHERE o.id BETWEEN %(lo)s AND %(hi)s AND o.created_by = %(tag)s GROUP BY st.name
"""

log = logging.getLogger(__name__)


class BenchError(Exception):
    """The bench cannot run here, or did not finish; the message says why."""


@dataclass(frozen=True, slots=True)
class Options:
    count: int = 100_000
    rate: float = 0.0  # offered rows/s; 0 = insert everything up front
    insert_batch: int = 0  # rows per INSERT; 0 = automatic
    window: int = 16
    connections: int = 2
    batch_size: int = 500
    inflight: int = 4
    pool_size: int = 8
    report_delay: float = 0.1
    protocol: str = "cmpp"  # or "http": the generic HTTP gateway and its simulator
    force: bool = False
    engines: int = 1  # engine processes sharing the channel's connections
    profile: str = ""  # where the engine's cProfile stats go; "" = not profiled

    def rows_per_insert(self) -> int:
        """As given, else one INSERT every 10 ms at the offered rate, else 10,000 at a time."""
        if self.insert_batch:
            return self.insert_batch
        return max(1, round(self.rate / 100)) if self.rate else 10_000


def run(base: Settings, opts: Options) -> dict[str, Any]:
    """Run the bench on the configured database; its configuration and figures."""
    try:
        return _run(base, opts)
    except psycopg.Error as exc:
        raise BenchError(f"PostgreSQL: {exc}") from exc


def _run(base: Settings, opts: Options) -> dict[str, Any]:
    url = _postgres(base.database.url.get_secret_value())
    tag = f"bench-e2e-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        _check_scratch(conn, opts.force)
        kids = _Children()
        try:
            pushes = _free_port()  # the engine's HTTP server, for an HTTP gateway's pushes
            port = kids.start_simulator(opts.protocol, opts.report_delay, _pushes_to(pushes))
            settings = _settings(base, opts, port, pushes)
            kids.start_engines(_engines(settings, opts.engines), opts.profile)
            tuples = _tuples(conn)
            backends = _backends_cpu(conn)
            cpu = time.process_time()
            lo, hi = _insert(conn, opts, tag)
            _wait(conn, lo, hi, kids)
            inserter_cpu = time.process_time() - cpu
            postgres_cpu = _backends_cpu(conn, backends)
        finally:
            used = kids.stop()
        if set(used) != set(kids.processes()):
            raise BenchError(f"only {sorted(used) or 'no process'} reported after stopping")
        figures = _figures(conn, lo, hi, tag)
        tuples = _tuples(conn, tuples)
    engine = settings.engine
    engines = [v for k, v in sorted(used.items()) if k.startswith("engine")]
    used["engine"] = _summed(engines)
    return {
        "benchmark": "e2e",
        "database": "postgresql",
        **{k: v for k, v in asdict(opts).items() if k not in ("force", "inflight", "profile")},
        "protocol": PROTOCOLS[opts.protocol],
        "insert_batch": opts.rows_per_insert(),
        "inflight_batches": engine.inflight_batches,
        "writeback_every_seconds": engine.writeback_every_seconds,
        **figures,
        "simulator_submits": used["simulator"]["submits"],
        **_retries(used["engine"]["counts"]),
        "cpu_seconds": {
            "engine": round(used["engine"]["cpu_seconds"], 1),
            "simulator": round(used["simulator"]["cpu_seconds"], 1),
            "inserter": round(inserter_cpu, 1),
            "postgresql": None if postgres_cpu is None else round(postgres_cpu, 1),
        },
        "cpu_us_per_message": _per_message(
            figures["rows"],
            engine=used["engine"]["cpu_seconds"] * 1e6,
            simulator=used["simulator"]["cpu_seconds"] * 1e6,
            postgresql=None if postgres_cpu is None else postgres_cpu * 1e6,
        ),
        "statements_per_message": _statements(used["engine"].get("statements", {}), figures),
        "sms_outbox_tuples": tuples,
        "engine_processes": [_engine_process(e) for e in engines],
    }


def _engines(settings: Settings, count: int) -> list[Settings]:
    """One engine's settings, or ``count`` engines' with their own worker ids and HTTP ports."""
    if count == 1:
        return [settings]
    if settings.channels[0].protocol != "cmpp":
        raise BenchError("--engines above 1 needs --protocol cmpp (one engine receives pushes)")
    return [
        settings.model_copy(
            update={
                "engine": settings.engine.model_copy(update={"worker_id": f"bench-e2e-{n}"}),
                "monitoring": settings.monitoring.model_copy(update={"port": _free_port()}),
            }
        )
        for n in range(1, count + 1)
    ]


def _summed(engines: list[dict[str, Any]]) -> dict[str, Any]:
    """The engines' reports added up, as if one engine had done all the work."""
    counts: Counter[str] = Counter()
    statements: Counter[str] = Counter()
    for e in engines:
        counts.update(e["counts"])
        statements.update(e.get("statements", {}))
    cpu = sum(e["cpu_seconds"] for e in engines)
    return {"counts": dict(counts), "statements": dict(statements), "cpu_seconds": cpu}


def _engine_process(used: dict[str, Any]) -> dict[str, Any]:
    """One engine's share of the work and the CPU it used per message it submitted."""
    submitted = used["counts"].get("submitted", 0)
    per = round(used["cpu_seconds"] * 1e6 / submitted, 1) if submitted else None
    return {
        "worker": used["worker"],
        "submitted": submitted,
        "cpu_seconds": round(used["cpu_seconds"], 1),
        "cpu_us_per_submitted": per,
    }


def _per_message(rows: int, **totals: float | None) -> dict[str, float | None]:
    return {k: None if v is None or not rows else round(v / rows, 1) for k, v in totals.items()}


def _statements(counted: dict[str, int], figures: dict[str, Any]) -> dict[str, Any]:
    """The engine's statements (and transactions) per message, the busiest named ones first."""
    rows = figures["rows"] or 1
    total = sum(n for name, n in counted.items() if not name.startswith("("))
    busiest = sorted(counted.items(), key=lambda kv: -kv[1])[:12]
    return {
        "total": round(total / rows, 3),
        "transactions": round(counted.get("(transactions)", 0) / rows, 3),
        "by_query": {name: round(n / rows, 4) for name, n in busiest if not name.startswith("(")},
    }


def _backends_cpu(conn: psycopg.Connection[Any], since: dict[int, float] | None = None) -> Any:
    """CPU seconds of the database's other backends, read from /proc (a server on this
    machine); with ``since``, the total used since then (None where /proc cannot tell)."""
    now: dict[int, float] = {}
    for (pid,) in conn.execute(BACKENDS).fetchall():
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        now[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if since is None:
        return now
    if not now:
        return None
    return sum(cpu - since.get(pid, 0.0) for pid, cpu in now.items())


def _tuples(conn: psycopg.Connection[Any], since: dict[str, int] | None = None) -> dict[str, Any]:
    """sms_outbox's inserted and updated row versions (since ``since``) and the HOT share."""
    time.sleep(0.6)  # backends flush their table statistics at most once a second when idle
    row = _row(conn, TUPLES)
    now = dict(zip(("inserted", "updated", "hot_updated"), (int(v or 0) for v in row), strict=True))
    if since is None:
        return now
    delta: dict[str, Any] = {k: now[k] - since[k] for k in now}
    delta["hot_share"] = (
        round(delta["hot_updated"] / delta["updated"], 3) if delta["updated"] else 0
    )
    return delta


def _retries(counts: dict[str, int]) -> dict[str, int]:
    """The engine's writes the database made it repeat: deadlocks (either write path may be
    the victim), flushes of reports/MO tried again, write-backs tried again. Each is 0 in a
    healthy run; a regression in lock ordering shows here first."""
    names = ("deadlocks", "retried_flushes", "retried_write_backs")
    return {name: counts.get(name, 0) for name in names}


def _postgres(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise BenchError(
            f"bench e2e runs on PostgreSQL only (it computes latencies with percentile_cont), "
            f"not {parsed.get_backend_name()!r}: point HISMS_DATABASE__URL at a scratch database"
        )
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _check_scratch(conn: psycopg.Connection[Any], force: bool) -> None:
    if not _one(conn, "SELECT to_regclass('sms_outbox') IS NOT NULL"):
        raise BenchError("the database has no hisms schema: run `hisms db init` on it first")
    total, unfinished = _row(
        conn, "SELECT count(*), count(*) FILTER (WHERE status < 3) FROM sms_outbox"
    )
    if unfinished:
        raise BenchError(
            f"sms_outbox has {unfinished} unfinished messages, which the bench engine would "
            "send to its simulator: run the bench on a scratch database"
        )
    if total and not force:
        raise BenchError(
            f"sms_outbox already has {total} rows: run the bench on a scratch database, or pass "
            "--force to add to this one (its earlier rows are neither touched nor counted)"
        )


def _settings(base: Settings, opts: Options, port: int, pushes: int) -> Settings:
    """The configured engine tunables, with the bench's batch sizes and a channel to the
    simulator at ``port`` (an HTTP one's pushes to the engine's server on ``pushes``)."""
    if opts.protocol == "http":
        gateway = channel_options(f"http://127.0.0.1:{port}", procs.ACCOUNT, procs.SECRET)
        channel = ChannelConfig(
            name=procs.CHANNEL, protocol="http", **gateway, connections=opts.connections * 4
        )
    else:
        channel = ChannelConfig(
            name=procs.CHANNEL,
            protocol="cmpp",
            host="127.0.0.1",
            port=port,
            version="3.0",
            source_addr=procs.ACCOUNT,
            secret=procs.SECRET,
            src_number=procs.SRC_NUMBER,
            window=opts.window,
            connections=opts.connections,
        )
    engine = {"worker_id": "bench-e2e", "batch_size": opts.batch_size}
    return base.model_copy(
        update={
            "database": base.database.model_copy(update={"pool_size": opts.pool_size}),
            "engine": base.engine.model_copy(update={**engine, "inflight_batches": opts.inflight}),
            "validation": ValidationConfig(default_signature="测试医院"),
            "channels": [channel],
            "monitoring": MonitoringConfig(host="127.0.0.1", port=pushes),
            "alarms": AlarmConfig(),
        }
    )


def _pushes_to(port: int) -> str:
    return f"http://127.0.0.1:{port}/callbacks/{procs.CHANNEL}/report"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _insert(conn: psycopg.Connection[Any], opts: Options, tag: str) -> tuple[int, int]:
    """INSERT ``opts.count`` rows, each batch when its last row is due; the id range."""
    per = opts.rows_per_insert()
    started = time.monotonic()
    lo: int | None = None
    hi = done = 0
    while done < opts.count:
        n = min(per, opts.count - done)
        if opts.rate:
            time.sleep(max(0.0, started + (done + n) / opts.rate - time.monotonic()))
        params = {"tag": tag, "content": CONTENT, "first": done + 1, "last": done + n}
        first, hi = _row(conn, INSERT_ROWS, params)
        lo = first if lo is None else lo
        done += n
    assert lo is not None
    return lo, hi


def _wait(conn: psycopg.Connection[Any], lo: int, hi: int, kids: _Children) -> None:
    mark, moved = lo, time.monotonic()
    while (oldest := _one(conn, OLDEST_OPEN, (mark, hi))) is not None:
        if oldest != mark:
            mark, moved = oldest, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            status = _one(conn, "SELECT status FROM sms_outbox WHERE id = %s", (oldest,))
            raise BenchError(
                f"no progress for {STALL_SECONDS:.0f}s: message {oldest} still has status {status}"
            )
        kids.check()
        time.sleep(0.2)


def _figures(conn: psycopg.Connection[Any], lo: int, hi: int, tag: str) -> dict[str, Any]:
    params = {"lo": lo, "hi": hi, "tag": tag, "fractions": list(FRACTIONS)}
    rows, delivered, inserting, to_submit, total, submit_ms, submit_max, ms, ms_max = _row(
        conn, FIGURES, params
    )
    statuses = dict(conn.execute(STATUSES, params).fetchall())
    return {
        "rows": rows,
        "statuses": statuses,
        "seconds": round(total, 3),
        "messages_per_second": round(delivered / total, 1) if total else None,
        "submitted_per_second": round(rows / to_submit, 1) if to_submit else None,
        "offered_per_second": round(rows / inserting, 1) if inserting else None,
        "insert_to_submit_ms": _latencies(submit_ms, submit_max),
        "insert_to_delivered_ms": _latencies(ms, ms_max),
    }


def _latencies(percentiles: list[float] | None, most: float | None) -> dict[str, float | None]:
    values: list[float | None] = [*percentiles] if percentiles else [None] * len(FRACTIONS)
    named = {f"p{round(f * 100)}": v for f, v in zip(FRACTIONS, values, strict=True)}
    return {k: None if v is None else round(v, 1) for k, v in {**named, "max": most}.items()}


def _one(conn: psycopg.Connection[Any], sql: str, params: Any = None) -> Any:
    return _row(conn, sql, params)[0]


def _row(conn: psycopg.Connection[Any], sql: str, params: Any = None) -> tuple[Any, ...]:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return tuple(row)


class _Children:
    """The simulator and engine processes, started and stopped in the right order."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._stop = self._ctx.Event()
        self._out: dict[str, Any] = {}
        self._procs: dict[str, BaseProcess] = {}

    def start_simulator(self, protocol: str, report_delay: float, pushes_to: str) -> int:
        ports = self._ctx.Queue()
        self._spawn(
            "simulator", procs.simulator, protocol, report_delay, pushes_to, ports, self._stop
        )
        try:
            return int(ports.get(timeout=30))
        except queue.Empty:
            raise BenchError(f"the {protocol} simulator did not start within 30 s") from None

    def start_engine(self, settings: Settings) -> None:
        self.start_engines([settings])

    def start_engines(self, engines: list[Settings], profile: str = "") -> None:
        """Start every engine, then wait until each holds its share of the channel's
        connections logged in (all of them across the engines). With ``profile``, each
        runs under cProfile, its stats in that file (``profile.N`` for engine N of several)."""
        level = logging.getLogger().getEffectiveLevel()
        workers = tuple(sorted(s.engine.worker_id for s in engines))
        started = []
        for n, settings in enumerate(engines, 1):
            ready = self._ctx.Event()
            worker = settings.engine.worker_id
            connections = int(settings.channels[0].options()["connections"])
            links = fair_slots(workers, worker, connections)
            name = "engine" if len(engines) == 1 else f"engine-{n}"
            stats = profile if len(engines) == 1 or not profile else f"{profile}.{n}"
            proc = self._spawn(name, procs.engine, settings, level, ready, links, stats)
            log.info("engine %s in process %d", worker, proc.pid)
            started.append((proc, ready))
        deadline = time.monotonic() + procs.READY_TIMEOUT_SECONDS + 10
        for proc, ready in started:
            while not ready.wait(0.1):
                if not proc.is_alive() or time.monotonic() > deadline:
                    raise BenchError(
                        f"{proc.name} did not log in to the simulator (see its log above)"
                    )

    def processes(self) -> dict[str, BaseProcess]:
        return dict(self._procs)

    def check(self) -> None:
        for name, proc in self._procs.items():
            if not proc.is_alive():
                raise BenchError(f"the {name} process exited with code {proc.exitcode}")

    def stop(self) -> dict[str, dict[str, Any]]:
        """Stop the engines together (SIGTERM: each finishes its in-flight work), then
        the simulator."""
        used: dict[str, dict[str, Any]] = {}
        engines = sorted(name for name in self._procs if name.startswith("engine"))
        for name in engines:
            self._procs[name].terminate()
        for name in (*engines, "simulator"):
            proc = self._procs.get(name)
            if proc is None:
                continue
            if name == "simulator":
                self._stop.set()
            with contextlib.suppress(queue.Empty):
                used[name] = self._out[name].get(timeout=60)
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        return used

    def _spawn(self, name: str, target: Any, *args: Any) -> BaseProcess:
        self._out[name] = self._ctx.Queue()
        proc = self._ctx.Process(target=target, args=(*args, self._out[name]), name=name)
        proc.start()
        self._procs[name] = proc
        return proc
