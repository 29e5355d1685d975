"""``hisms bench chaos``: two engines, a CMPP and an SMPP simulator, traffic at a steady
rate, and a fault every ``fault_every`` seconds drawn from :data:`FAULTS`; at the end every
row must be final and the duplicates after each fault within its bound (README, guarantees).

Everything runs on this machine: a private PostgreSQL cluster (initdb + pg_ctl, so it can
be restarted), both simulators in threads of this process, the engines as ``hisms run``
processes (so they can be SIGKILLed) - the machinery of the fault suite
(:mod:`hisms.engine.bench.harness`). Each row has its own phone number and one part, so a
number the gateways accepted twice is a duplicate a handset received. Mobile numbers go
through CMPP, the others through SMPP (channel operators).

A fault's time to recover is from its injection until every row inserted before it was
over (throttling and duplicated reports last 5 s, a killed engine's successor starts after
2 s) is final. Duplicates are counted per window, from one injection to the next; a fault
that has not recovered when the next is injected may still cause some (the rows it
disturbed are not final yet), so each window's duplicates are checked against the bounds
of its fault and of every earlier fault still open: a duplicate happens before its row is
final, never after.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.simulator import CmppSimulator
from hisms.carrier.simulator import SimConfig
from hisms.carrier.smpp.simulator import SmppSimulator
from hisms.engine.bench import harness
from hisms.engine.bench.harness import Cluster, EngineProcess, SimThread, toml_value
from hisms.engine.store import open_store

FAULTS = (
    "kill_engine",  # kill -9 one engine, start another 2 s later
    "restart_database",  # pg_ctl restart -m fast
    "drop_gateway",  # the CMPP gateway closes every connection mid-window
    "throttle",  # both gateways answer every submit "flow control" for 5 s
    "lost_answers",  # the CMPP gateway takes one window of submits and loses the answers
    "duplicate_reports",  # both gateways send half their reports twice for 5 s
    "poisoned_mo",  # a reply with a NUL in its text and its sender's number (PostgreSQL)
)
ACCOUNT, SECRET, SYSTEM_ID, PASSWORD = "901234", "chaos-Secret-1", "hisms", "chaos-pw"
SRC_NUMBER = "10690123"
TEXT = "您的检验报告已出，请登录APP查看。"
WINDOW, CONNECTIONS = 16, 2  # per channel, shared by the two engines
ENGINE: dict[str, Any] = {
    "batch_size": 200,
    "urgent_batch_size": 20,
    "inflight_batches": 4,
    "lease_seconds": 4,
    "reclaim_every_seconds": 0.5,
    "writeback_every_seconds": 0.05,
    "poll_min_seconds": 0.02,
    "poll_max_seconds": 0.5,
    "retry_base_seconds": 0.5,
    "retry_max_seconds": 2,
    "max_attempts": 50,
}
FAULT_SECONDS = 5.0  # how long throttling and duplicated reports last
SETTLE_STALL_SECONDS = 120.0  # the end waits for final rows while they keep coming


def bounds() -> dict[str, int]:
    """Handset duplicates each fault may cause (README, guarantees)."""
    crash = harness.crash_bound(ENGINE)
    window = WINDOW * CONNECTIONS
    return {
        "kill_engine": crash,  # the dead engine's batches in flight
        "restart_database": 2 * crash,  # each engine's batches in flight
        "drop_gateway": window,  # submits answered but not yet read, on every link
        "throttle": 0,
        "lost_answers": window,  # what the gateway took without answering
        "duplicate_reports": 0,
        "poisoned_mo": 0,
    }


class BenchError(Exception):
    """The run could not be set up (no PostgreSQL binaries, an unknown fault)."""


@dataclass(frozen=True, slots=True)
class Options:
    minutes: float = 10.0
    rate: float = 1000.0
    fault_every: float = 20.0
    seed: int = 0
    faults: Sequence[str] = FAULTS


@dataclass
class Fault:
    kind: str
    at: float  # seconds into the run
    last_id: int  # the newest row when it was over
    duplicates_before: int
    duplicates: int = 0
    recovered_at: float | None = None

    def open_at(self, at: float) -> bool:
        """Not recovered at ``at``: its rows may still be sent again."""
        return self.recovered_at is None or self.recovered_at > at

    def row(self, bound: int, open_bound: int) -> dict[str, Any]:
        recover = None if self.recovered_at is None else round(self.recovered_at - self.at, 1)
        return {
            "fault": self.kind,
            "at_s": round(self.at, 1),
            "duplicates": self.duplicates,
            "bound": bound,
            "bound_with_open_faults": open_bound,
            "recover_s": recover,
        }


@dataclass
class _Run:
    options: Options
    cluster: Cluster
    logs: Path
    started: float = field(default_factory=time.monotonic)
    engines: list[EngineProcess] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    inserted: int = 0
    poisoned: int = 0
    feeding: bool = True
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sims: dict[str, SimThread] = field(default_factory=dict)
    config: Path | None = None

    def now(self) -> float:
        return time.monotonic() - self.started


def run(options: Options) -> dict[str, Any]:
    unknown = sorted(set(options.faults) - set(FAULTS))
    if unknown or not options.faults:
        raise BenchError(f"unknown faults {unknown}; choose from {', '.join(FAULTS)}")
    bindir = harness.pg_bindir()
    if bindir is None:
        raise BenchError("no initdb/pg_ctl: the chaos run needs a PostgreSQL it can restart")
    logs = Path(tempfile.mkdtemp(prefix="hisms-chaos-"))
    result: dict[str, Any] | None = None
    try:
        with harness.private_cluster(bindir) as cluster:
            store = open_store(cluster.url)
            store.upgrade()
            store.close()
            world = _Run(options, cluster, logs)
            try:
                result = _run(world)
            finally:
                world.stop.set()
                for engine in world.engines:
                    engine.stop()
                for sim in world.sims.values():
                    sim.close()
    finally:
        kept = keep_logs(logs, result)
    assert result is not None  # _run returned, or its error went up
    result["logs"] = kept
    return result


def keep_logs(logs: Path, result: dict[str, Any] | None) -> str | None:
    """The engines' logs and configuration are deleted after a run whose every check held;
    kept, and their directory returned (and printed), after one that failed or broke off,
    so that what happened can be read."""
    if result is not None and result["ok"]:
        shutil.rmtree(logs, ignore_errors=True)
        return None
    print(f"chaos: the engines' logs are kept in {logs}", file=sys.stderr)
    return str(logs)


def _run(world: _Run) -> dict[str, Any]:
    o = world.options
    world.sims = {
        "cmpp": SimThread(
            SimConfig(ACCOUNT, SECRET, report_delay=0.2, mo_rules=(), seed=o.seed),
            lambda c: CmppSimulator(c, pdus.V30),
        ),
        "smpp": SimThread(
            SimConfig(SYSTEM_ID, PASSWORD, report_delay=0.2, mo_rules=(), seed=o.seed + 1),
            SmppSimulator,
        ),
    }
    world.config = _config(world)
    for _ in range(2):
        _start_engine(world)
    threads = [
        threading.Thread(target=_feed, args=(world,), name="chaos-feed", daemon=True),
        threading.Thread(target=_watch, args=(world,), name="chaos-watch", daemon=True),
    ]
    for thread in threads:
        thread.start()
    duration = o.minutes * 60
    rng = random.Random(o.seed)
    order: list[str] = []
    at = o.fault_every
    while at < duration:
        _sleep_until(world, at)
        if not order:
            order = list(o.faults)
            rng.shuffle(order)
        _inject(world, order.pop(), rng)
        at += o.fault_every
    _sleep_until(world, duration)
    world.feeding = False
    settled = _settle(world)
    world.stop.set()
    for thread in threads:
        thread.join(timeout=10)
    return _result(world, settled)


# -- traffic -----------------------------------------------------------------------


def _feed(world: _Run) -> None:
    """Insert rows at the rate, every 0.1 s, one number each: 138... (CMPP) and 130...
    (SMPP) in turn. The number counter moves on even when an INSERT fails (the database is
    restarting): a commit whose answer was lost must not give a second row the same
    number, which would count as a duplicate."""
    n = 0
    conn: psycopg.Connection[Any] | None = None
    while world.feeding and not world.stop.is_set():
        due = int(world.now() * world.options.rate) - n
        if due <= 0:
            time.sleep(0.02)
            continue
        numbers = [f"{'138' if i % 2 == 0 else '130'}{i:08d}" for i in range(n, n + due)]
        n += due
        try:
            if conn is None or conn.closed:
                conn = psycopg.connect(world.cluster.url, autocommit=True, connect_timeout=2)
            conn.execute(
                "INSERT INTO sms_outbox (source_system, phone, content) "
                "SELECT 'CHAOS', p, %s FROM unnest(%s::text[]) AS p",
                (TEXT, numbers),
            )
            with world.lock:
                world.inserted += len(numbers)
        except psycopg.Error:
            if conn is not None:
                conn.close()
            time.sleep(0.2)
    if conn is not None:
        conn.close()


def _watch(world: _Run) -> None:
    """Mark each fault recovered once every row inserted before it is final."""
    while not world.stop.is_set():
        try:
            oldest = _oldest_unfinished(world.cluster.url)
        except psycopg.Error:
            time.sleep(0.5)
            continue
        now = world.now()
        with world.lock:
            for fault in world.faults:
                if fault.recovered_at is None and (oldest is None or oldest > fault.last_id):
                    fault.recovered_at = now
        time.sleep(0.5)


def _oldest_unfinished(url: str) -> int | None:
    # One MIN per status: each reads a small partial index, not the whole table.
    with psycopg.connect(url, connect_timeout=2) as conn:
        row = conn.execute(
            "SELECT least((SELECT min(id) FROM sms_outbox WHERE status = 0), "
            "(SELECT min(id) FROM sms_outbox WHERE status = 1), "
            "(SELECT min(id) FROM sms_outbox WHERE status = 2))"
        ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


# -- faults ------------------------------------------------------------------------


def _inject(world: _Run, kind: str, rng: random.Random) -> None:
    """Inject one fault and return when it is over (a throttle after its 5 s); it has
    recovered once every row inserted until then is final."""
    at, before = world.now(), _duplicates(world)
    _start(world, kind, rng)
    fault = Fault(kind, at, _last_id(world), before)
    with world.lock:
        world.faults.append(fault)


def _start(world: _Run, kind: str, rng: random.Random) -> None:
    cmpp, smpp = world.sims["cmpp"], world.sims["smpp"]
    if kind == "kill_engine":
        live = [e for e in world.engines if not e.killed and e.proc.poll() is None]
        if not live:
            raise BenchError(f"every engine has exited; the last log ends:\n{_tails(world)}")
        rng.choice(live).kill9()
        time.sleep(2)
        _start_engine(world)
    elif kind == "restart_database":
        world.cluster.restart()
    elif kind == "drop_gateway":
        cmpp.call(cmpp.sim.drop_connections)
    elif kind == "throttle":
        for sim in (cmpp, smpp):
            sim.call(lambda s=sim: s.sim.throttle_for(FAULT_SECONDS))  # type: ignore[misc]
        time.sleep(FAULT_SECONDS)
    elif kind == "lost_answers":
        cmpp.call(lambda: setattr(cmpp.sim.faults, "lose_answers", WINDOW))
    elif kind == "duplicate_reports":
        _for_a_while(world, "duplicate_ratio", 0.5)
    elif kind == "poisoned_mo":
        phone = "139" + "\x00" + f"{world.poisoned:08d}"
        cmpp.call(lambda: cmpp.sim.send_mo(phone, "改到\x00周五", SRC_NUMBER))
        world.poisoned += 1


def _for_a_while(world: _Run, knob: str, value: float) -> None:
    sims = list(world.sims.values())
    for sim in sims:
        sim.call(lambda s=sim: setattr(s.sim.faults, knob, value))  # type: ignore[misc]
    time.sleep(FAULT_SECONDS)
    for sim in sims:
        sim.call(lambda s=sim: setattr(s.sim.faults, knob, 0.0))  # type: ignore[misc]


def _last_id(world: _Run) -> int:
    for _ in range(50):  # the database may be restarting after the previous fault
        try:
            with psycopg.connect(world.cluster.url, connect_timeout=2) as conn:
                row = conn.execute("SELECT coalesce(max(id), 0) FROM sms_outbox").fetchone()
            return int(row[0]) if row else 0
        except psycopg.Error:
            time.sleep(0.2)
    raise BenchError("PostgreSQL did not come back within 10 s")


def _duplicates(world: _Run) -> int:
    """Numbers the gateways accepted more than once: messages a handset got twice."""
    return sum(sim.call(lambda s=sim: s.sim.counters.duplicates) for sim in world.sims.values())  # type: ignore[misc]


# -- engines -----------------------------------------------------------------------


def _config(world: _Run) -> Path:
    session = {
        "host": "127.0.0.1",
        "src_number": SRC_NUMBER,
        "window": WINDOW,
        "connections": CONNECTIONS,
        # Long: on a loaded machine a late answer sent again would be a duplicate no fault
        # caused; the lost_answers fault waits this long for its resends.
        "response_timeout_seconds": 20,
        "link_wait_seconds": 2,
        "reconnect_min_seconds": 0.1,
        "reconnect_max_seconds": 1,
        "drain_seconds": 2,
    }
    channels: list[dict[str, Any]] = [
        {"name": "cmcc", "protocol": "cmpp", "version": "3.0", "source_addr": ACCOUNT,
         "secret": SECRET, "service_id": "HISMS", "port": world.sims["cmpp"].port,
         "operators": ["mobile"]},
        {"name": "intl", "protocol": "smpp", "system_id": SYSTEM_ID, "password": PASSWORD,
         "port": world.sims["smpp"].port,
         "operators": ["unicom", "telecom", "broadnet", "unknown"]},
    ]  # fmt: skip
    lines = [
        "[database]",
        f"url = {toml_value(world.cluster.url)}",
        "pool_size = 6",
        "[engine]",
        *(f"{k} = {toml_value(v)}" for k, v in ENGINE.items()),
        "[validation]",
        'default_signature = "测试医院"',
    ]
    for channel in channels:
        lines.append("[[channels]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in {**channel, **session}.items()]
    path = world.logs / "hisms.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _start_engine(world: _Run) -> None:
    assert world.config is not None
    log = world.logs / f"engine-{len(world.engines)}.log"
    world.engines.append(EngineProcess(world.config, log))


# -- the end -----------------------------------------------------------------------


def _settle(world: _Run) -> bool:
    """Wait until every row is final, as long as rows keep becoming final."""
    last: tuple[int | None, int] | None = None
    moved = time.monotonic()
    while time.monotonic() - moved < SETTLE_STALL_SECONDS:
        try:
            state = (_oldest_unfinished(world.cluster.url), _duplicates(world))
        except psycopg.Error:
            time.sleep(0.5)
            continue
        if state[0] is None:
            return True
        if state != last:
            last, moved = state, time.monotonic()
        time.sleep(0.5)
    return False


def _result(world: _Run, settled: bool) -> dict[str, Any]:
    limits = bounds()
    end = _duplicates(world)
    for fault, after in zip(world.faults, [*world.faults[1:], None], strict=True):
        fault.duplicates = (end if after is None else after.duplicates_before) - (
            fault.duplicates_before
        )
    with psycopg.connect(world.cluster.url) as conn:
        found = conn.execute("SELECT status, count(*) FROM sms_outbox GROUP BY status")
        counts: dict[int, int] = {int(r[0]): int(r[1]) for r in found}
        replies = _one(conn, "SELECT count(*) FROM sms_inbox")
        parked = _one(conn, "SELECT count(*) FROM sms_parked")
    rows = sum(counts.values())
    final = sum(n for status, n in counts.items() if status >= 3)
    faults = []
    for n, fault in enumerate(world.faults):
        still = sum(limits[f.kind] for f in world.faults[:n] if f.open_at(fault.at))
        faults.append(fault.row(limits[fault.kind], limits[fault.kind] + still))
    kinds = by_kind(faults)
    within = all(f["duplicates"] <= f["bound_with_open_faults"] for f in faults)
    exits = [e.proc.returncode for e in world.engines if not e.killed and e.proc.poll()]
    if exits:
        print(_tails(world), file=sys.stderr)
    o = world.options
    return {
        "bench": "chaos",
        "minutes": o.minutes,
        "rate": o.rate,
        "fault_every_s": o.fault_every,
        "seed": o.seed,
        "engines": 2,
        "window": WINDOW,
        "connections": CONNECTIONS,
        "engine": ENGINE,
        "rows": rows,
        "inserted": world.inserted,
        "final": final,
        "delivered": counts.get(3, 0),
        "failed": counts.get(4, 0),
        "all_final": settled and final == rows,
        "duplicates": end,
        "within_bounds": within,
        "replies": replies,
        "poisoned_mo_sent": world.poisoned,
        "parked": parked,
        "engine_exits": exits,
        "by_fault": kinds,
        "faults": faults,
        "ok": settled and final == rows and within and replies == world.poisoned and not exits,
    }


def by_kind(faults: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The table's lines from the windows (:meth:`Fault.row`): per kind of fault, how many
    were injected, the duplicates of their windows, the bound of one such fault alone, the
    sum of their windows' bounds (each with the faults still open when it began: what the
    duplicates are checked against), and the longest recovery (None if one never did)."""
    kinds: dict[str, dict[str, Any]] = {}
    for f in faults:
        k = kinds.setdefault(
            f["fault"],
            {
                "injected": 0,
                "duplicates": 0,
                "bound_each": f["bound"],
                "bound_windows": 0,
                "recover_s_max": 0.0,
            },
        )
        k["injected"] += 1
        k["duplicates"] += f["duplicates"]
        k["bound_windows"] += f["bound_with_open_faults"]
        recover, worst = f["recover_s"], k["recover_s_max"]
        k["recover_s_max"] = None if recover is None or worst is None else max(worst, recover)
    return kinds


def _tails(world: _Run) -> str:
    """The end of each engine's log that exited by itself."""
    dead = [e for e in world.engines if not e.killed and e.proc.poll() is not None]
    return "\n".join(
        f"{e.log_path.name} (exit {e.proc.returncode}): {e.log()[-2000:]}" for e in dead
    )


def _one(conn: psycopg.Connection[Any], sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def table(result: dict[str, Any]) -> str:
    """The summary: one line per kind of fault, then the totals."""
    head = ("fault", "injected", "duplicates", "bound each", "bound windows", "recover s (max)")
    lines = ["{:<18} {:>8} {:>10} {:>10} {:>13} {:>15}".format(*head)]
    for kind, k in sorted(result["by_fault"].items()):
        recover = "-" if k["recover_s_max"] is None else f"{k['recover_s_max']:.1f}"
        windows = k.get("bound_windows", "-")  # results saved before the column lack it
        lines.append(
            f"{kind:<18} {k['injected']:>8} {k['duplicates']:>10} {k['bound_each']:>10} "
            f"{windows:>13} {recover:>15}"
        )
    lines.append(
        f"rows {result['rows']} final {result['final']} (delivered {result['delivered']}, "
        f"failed {result['failed']}), duplicates {result['duplicates']}, every window within "
        f"the bounds of its open faults: {'yes' if result['within_bounds'] else 'NO'}; replies "
        f"stored "
        f"{result['replies']} of {result['poisoned_mo_sent']} poisoned; "
        f"{'OK' if result['ok'] else 'FAILED'}"
    )
    return "\n".join(lines)


def _sleep_until(world: _Run, at: float) -> None:
    while (left := at - world.now()) > 0:
        time.sleep(min(0.5, left))
