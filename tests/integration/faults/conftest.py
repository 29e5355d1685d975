"""Fault injection (issue 7): ``hisms run`` processes, the CMPP simulator, real PostgreSQL.

The machinery is the end-to-end fixture of ``tests/integration/e2e`` (imported,
not copied): the simulator in a thread recording what it sent and what was
acknowledged, ``hisms run`` as subprocesses that can be SIGKILLed. This module
adds what every fault test states at its end: the exact check of each row's
status against the report the simulator chose for its message id, and the line
``submits=X rows=Y duplicates=Z bound=B`` (duplicates = SUBMITs the simulator
received beyond one per part; every message here has one part).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from hisms.engine.bench import harness
from hisms.engine.bench.harness import Cluster, free_port, pg_bindir, private_cluster
from tests.integration.e2e.conftest import (  # noqa: F401  (e2e: the fixture)
    E2E,
    EngineProcess,
    SimThread,
    e2e,
)
from tests.waiting import wait_until

TEXT = "您的检验报告已出，请登录APP查看。"  # one part with the signature
# The engine's own defaults for batches, a short lease so a dead worker's rows come back
# quickly (the heartbeat extends live leases every lease/3), frequent reclaim.
ENGINE = {
    "batch_size": 200,
    "urgent_batch_size": 20,
    "inflight_batches": 4,
    "lease_seconds": 4,
    "reclaim_every_seconds": 0.5,
    "writeback_every_seconds": 0.05,
}


def rows(count: int, prefix: str = "138") -> list[tuple[str, str, str, str]]:
    """``count`` one-part messages, one number each (so per-number counts are per message)."""
    return [("LIS", f"L{i}", f"{prefix}{i:08d}", TEXT) for i in range(count)]


def crash_bound(engine: dict[str, Any] = ENGINE) -> int:
    """Parts one dead engine can have had accepted without writing the result back (one
    part per message here): harness.crash_bound."""
    return harness.crash_bound(engine)


def summary(sim: SimThread, total: int, bound: int, **more: Any) -> int:
    """Print the suite's line and return the duplicates (SUBMITs beyond one per row)."""
    submits = sim.call(lambda: sim.sim.counters.submits)
    duplicates = submits - total
    extra = "".join(f" {k}={v}" for k, v in more.items())
    print(f"\nsubmits={submits} rows={total} duplicates={duplicates} bound={bound}{extra}")
    return duplicates


def check_statuses(world: E2E, sim: SimThread) -> dict[int, int]:
    """Every final row says what the simulator reported for its message id; counts by status."""
    recorded = sim.call(lambda: dict(sim.sim.recorded.stats))
    final = world.query(
        "SELECT id, status, carrier_msg_id, report_stat, error_code, error_text "
        "FROM sms_outbox WHERE status >= 3"
    )
    wrong = [
        r
        for r in final
        if r[2] not in recorded
        or r[3] != recorded[r[2]]
        or r[1] != (3 if recorded[r[2]] == "DELIVRD" else 4)
        or (r[1] == 4 and (r[4] != recorded[r[2]] or not r[5]))
    ]
    assert not wrong, f"{len(wrong)} rows disagree with the simulator's reports, e.g. {wrong[:3]}"
    return world.counts()


def simulator_counters(sim: SimThread) -> Any:
    return sim.call(lambda: sim.sim.counters)


def wait_moving(
    world: E2E,
    predicate: Callable[[], bool],
    what: str,
    progress: Callable[[], Any],
    stall: float = 30,
) -> float:
    """``world.wait`` for a long run: it fails once ``progress()`` has not changed for
    ``stall`` seconds (a hang shows in seconds, not after a deadline generous enough for
    a loaded machine), or at once if an engine exits; the seconds it took."""

    def done() -> bool:
        for engine in world.engines:
            if not engine.killed and engine.proc.poll() is not None:
                pytest.fail(f"hisms run exited with {engine.proc.returncode}:\n{engine.log()}")
        return predicate()

    try:
        return wait_until(done, stall, what, progress)
    except pytest.fail.Exception as exc:
        tail = world.engines[-1].log()[-3000:] if world.engines else ""
        pytest.fail(f"{exc}; counts {world.counts()}\n{tail}", pytrace=False)


# -- a private PostgreSQL cluster that a test may restart -------------------------


@pytest.fixture
def private_pg() -> Iterator[Cluster]:
    """A throw-away cluster (engine/bench/harness.py, which ``hisms bench chaos`` uses too)."""
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("no initdb/pg_ctl here to run a private PostgreSQL that a test may restart")
    with private_cluster(bindir) as cluster:
        yield cluster


@pytest.fixture
def standby(private_pg: Cluster) -> Iterator[Cluster]:
    """A streaming replica of ``private_pg`` (pg_basebackup -R), started on its own port;
    the primary commits only once the standby has the WAL (synchronous_standby_names)."""
    home = private_pg.data.parent / "standby"
    home.mkdir()
    if private_pg.as_user:
        shutil.chown(home, "postgres")
    replica = Cluster(home / "data", free_port(), private_pg.as_user, private_pg.bindir)
    backup = [str(replica.bindir / "pg_basebackup"), "-D", str(replica.data), "-R", "-X", "stream"]
    where = ["-h", "127.0.0.1", "-p", str(private_pg.port), "-U", "postgres"]
    subprocess.run(
        [*replica.as_user, *backup, *where], check=True, capture_output=True, timeout=120
    )
    replica.start()
    try:
        with psycopg.connect(private_pg.url, autocommit=True) as conn:
            wait_until(
                lambda: conn.execute("SELECT count(*) FROM pg_stat_replication").fetchone() == (1,),
                30,
                "the standby streaming",
            )
            conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            conn.execute("SELECT pg_reload_conf()")
        yield replica
    finally:
        replica.stop("immediate", check=False)


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never sends a byte (a hung gateway or
    database server); closed, with every connection it took, at the end."""
    listener = socket.create_server(("127.0.0.1", 0))
    taken: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                taken.append(listener.accept()[0])

    thread = threading.Thread(target=accept, name="silent-server", daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in [*taken, listener]:
            conn.close()


def terminate_backends(url: str) -> int:
    """Terminate every other session of the database (the engine's pool and LISTEN)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0
