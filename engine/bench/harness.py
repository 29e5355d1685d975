"""What the fault suite and ``hisms bench chaos`` share: a private PostgreSQL cluster that
may be restarted, ``hisms run`` as a process that may be SIGKILLed, a gateway simulator in
a thread, and the bound on what one dead engine can have sent twice.

It lives in the package (not under tests/) so that the bench works from an installed
hisms; tests/integration/faults/conftest.py and tests/integration/e2e/conftest.py import it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from hisms.carrier.simulator import GatewaySimulator, SimConfig

T = TypeVar("T")


def crash_bound(engine: Mapping[str, Any]) -> int:
    """Parts one dead engine can have had accepted without writing the result back.

    Each lane keeps up to ``inflight_batches`` claimed batches with the carriers and
    writes a batch back when all its parts are answered: after a crash every part of
    those rows may be submitted again (README, guarantees)."""
    return int(engine["inflight_batches"] * (engine["batch_size"] + engine["urgent_batch_size"]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# -- a private PostgreSQL cluster that may be restarted ----------------------------


@dataclass
class Cluster:
    data: Path
    port: int
    as_user: list[str]
    bindir: Path

    @property
    def log(self) -> Path:
        return self.data.parent / "log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
            check=check,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("start", "-w", "-l", str(self.log), "-o", options)

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        self.ctl("stop", "-m", mode, "-w", check=check)

    def promote(self) -> None:
        """A standby becomes a primary that takes writes (what a failover tool does)."""
        self.ctl("promote", "-w")

    def restart(self) -> None:
        """A fast restart: every session is terminated, new ones are refused until it is up."""
        self.ctl("restart", "-m", "fast", "-w", "-l", str(self.log))


def pg_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on the PATH, else the newest /usr/lib/postgresql."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


@contextmanager
def private_cluster(bindir: Path) -> Iterator[Cluster]:
    """A throw-away cluster (initdb + pg_ctl, as scripts/ensure-postgres starts one),
    removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="hisms-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(root / "data", free_port(), as_user, bindir)
    initdb = [str(bindir / "initdb"), "-D", str(cluster.data), "-U", "postgres", "-A", "trust"]
    subprocess.run(
        [*as_user, *initdb, "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate", check=False)  # a fault may have left it stopped
        shutil.rmtree(root, ignore_errors=True)


# -- the processes and threads of a run --------------------------------------------


class SimThread:
    """A gateway simulator on its own event loop in a daemon thread; ``channel`` is what
    the engine's channel needs to reach it."""

    def __init__(
        self,
        config: SimConfig,
        make: Callable[[SimConfig], GatewaySimulator],
        channel: dict[str, Any] | None = None,
    ) -> None:
        self.channel = channel or {"protocol": "cmpp"}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sim", daemon=True)
        self.thread.start()
        self.sim: Any = self.call(lambda: make(config))
        self._await(self.sim.start())

    @property
    def port(self) -> int:
        return int(self.sim.port)

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the simulator's loop (its state is not thread-safe); its value."""
        done: Future[T] = Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as exc:  # handed to the caller
                done.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return done.result(timeout=10)

    def _await(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def close(self) -> None:
        self._await(self.sim.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class EngineProcess:
    """``hisms run`` in a subprocess; its log goes to a file (a pipe could fill and stall it)."""

    def __init__(self, config: Path, log: Path) -> None:
        self.log_path = log
        self.killed = False
        self._log = log.open("w", encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hisms", "--config", str(config), "run"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
        )

    @property
    def worker(self) -> str:
        """Its worker id (``locked_by`` of the rows it holds): the default, host:pid."""
        return f"{socket.gethostname()}:{self.proc.pid}"

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def kill9(self) -> None:
        """SIGKILL: no drain, no logout, no flush; what it held waits for its lease."""
        self.killed = True
        self.proc.kill()
        self.proc.wait(timeout=30)

    def started(self) -> bool:
        return "started with channels" in self.log()

    def stop(self) -> int:
        """SIGTERM once it has started: one sent while Python is still importing ends it
        by the signal's default action (-15) before its drain handler is installed."""
        deadline = time.monotonic() + 30
        while self.proc.poll() is None and not self.started() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        return code


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)
