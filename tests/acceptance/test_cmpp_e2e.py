"""The end-to-end rate of issue 3: INSERT -> DELIVERED on PostgreSQL through the CMPP simulator.

Both sides are the real commands, each in its own process, as an operator
would run them (the shell equivalent is in the docstring of
:func:`test_end_to_end_rate_through_the_cmpp_simulator`). Prints the figures and asserts
that every row and report arrived; rates are `hisms bench`'s, not a test's (on a loaded
machine a floor only measures the load).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hisms.carrier.base import CarrierEvent, DeliveryReport, Submission, SubmitKey
from hisms.carrier.cmpp.client import from_config
from tests.waiting import until, wait_until

HISMS = [sys.executable, "-m", "hisms"]
ACCOUNT, SECRET, SRC = "901234", "bench-secret", "10690123"
ROWS = 20_000


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), to see who is the bottleneck."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Proc:
    def __init__(self, args: list[str], log: Path) -> None:
        self.log_path = log
        self._log = log.open("w", encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [*HISMS, *args], stdout=self._log, stderr=subprocess.STDOUT, env=env
        )

    def wait_for(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        def seen() -> re.Match[str] | None:
            log = self.log_path.read_text("utf-8")
            assert self.proc.poll() is None, log
            return re.search(pattern, log)

        wait_until(seen, timeout, f"{pattern!r} in {self.log_path.name}")
        return seen()  # type: ignore[return-value]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        return code


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[tuple[_Proc, int]]:
    sim = _Proc(
        ["simulate", "cmpp", "--port", "0", "--account", ACCOUNT, "--secret", SECRET,
         "--report-delay", "0.1"],
        tmp_path / "simulator.log",
    )  # fmt: skip
    try:
        port = int(sim.wait_for(r"simulator on 127\.0\.0\.1:(\d+)").group(1))
        yield sim, port
    finally:
        sim.stop()


def _config(path: Path, url: str, port: int) -> Path:
    path.write_text(
        f'[database]\nurl = "{url}"\npool_size = 8\n'
        "[engine]\nbatch_size = 500\ninflight_batches = 4\n"
        '[validation]\ndefault_signature = "测试医院"\n'
        '[sources.HIS]\next = "01"\n'
        '[[channels]]\nname = "cmcc"\nprotocol = "cmpp"\nhost = "127.0.0.1"\n'
        f'port = {port}\nversion = "3.0"\nsource_addr = "{ACCOUNT}"\nsecret = "{SECRET}"\n'
        f'src_number = "{SRC}"\nwindow = 16\nconnections = 2\n',
        "utf-8",
    )
    return path


@pytest.mark.slow
def test_end_to_end_rate_through_the_cmpp_simulator(
    simulator: tuple[_Proc, int], pg_url: str, tmp_path: Path
) -> None:
    """Shell equivalent (three terminals, a scratch database already `hisms db init`-ed):

        hisms simulate cmpp --port 7890 --account 901234 --secret bench-secret \\
            --report-delay 0.1
        hisms --config bench.toml run      # the [[channels]] of _config() above
        psql -c "INSERT INTO sms_outbox (source_system, source_ref, phone, content)
                 SELECT 'HIS', 'B' || i, '138' || lpad(i::text, 8, '0'), '您的检验报告已出'
                 FROM generate_series(1, 20000) i"
        psql -c "SELECT count(*) / extract(epoch FROM max(updated_at) - min(created_at))
                 FROM sms_outbox WHERE status = 3"
    """
    sim, port = simulator
    engine = _Proc(["--config", str(_config(tmp_path / "bench.toml", pg_url, port)), "run"],
                   tmp_path / "engine.log")  # fmt: skip
    try:
        engine.wait_for(r"cmcc#1: logged in")
        cpu = {name: _cpu_seconds(p.proc.pid) for name, p in (("engine", engine), ("sim", sim))}
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO sms_outbox (source_system, source_ref, phone, content) "
                "SELECT 'HIS', 'B' || i, '138' || lpad(i::text, 8, '0'), '您的检验报告已出' "
                "FROM generate_series(1, %s) i",
                (ROWS,),
            )

            def delivered() -> int:
                row = conn.execute("SELECT count(*) FROM sms_outbox WHERE status = 3").fetchone()
                assert engine.proc.poll() is None, engine.log_path.read_text("utf-8")[-3000:]
                return int(row[0]) if row else 0

            wait_until(lambda: delivered() == ROWS, 30, f"{ROWS} rows DELIVERED", delivered)
            row = conn.execute(
                "SELECT extract(epoch FROM max(submitted_at) - min(created_at)), "
                "extract(epoch FROM max(updated_at) - min(created_at)) FROM sms_outbox"
            ).fetchone()
        assert row is not None
        to_submitted, to_delivered = float(row[0]), float(row[1])
        used = {name: _cpu_seconds(p.proc.pid) - cpu[name] for name, p in
                (("engine", engine), ("sim", sim))}  # fmt: skip
    finally:
        assert engine.stop() == 0
    rate = ROWS / to_delivered
    print(
        f"\nCMPP end to end on PostgreSQL: {ROWS} rows INSERT -> DELIVERED in {to_delivered:.2f}s "
        f"= {rate:.0f} msgs/s (all SUBMITTED after {to_submitted:.2f}s = "
        f"{ROWS / to_submitted:.0f}/s); CPU s: engine {used['engine']:.1f}, "
        f"simulator {used['sim']:.1f}"
    )


@pytest.mark.slow
def test_simulator_capacity_in_its_own_process(simulator: tuple[_Proc, int]) -> None:
    """The simulator process alone: submits answered + reports sent per second to a bare client."""
    sim, port = simulator
    count, connections = 40_000, 4

    async def scenario() -> float:
        reports: list[DeliveryReport] = []

        def sink(event: CarrierEvent) -> None:
            if isinstance(event, DeliveryReport):
                reports.append(event)
                if event.ack is not None:
                    event.ack()  # as the engine does once stored

        channel = from_config(
            "bench",
            {"host": "127.0.0.1", "port": port, "source_addr": ACCOUNT, "secret": SECRET,
             "src_number": SRC, "connections": connections, "window": 64},
        )  # fmt: skip
        await channel.start(sink)
        try:
            await until(lambda: channel.session.up, 10, "the links up")
            body = "您的检验报告已出".encode("utf-16-be")
            parts = [Submission(SubmitKey(i, 1, 1), f"138{i:08d}", "x", body) for i in range(count)]
            started = time.monotonic()
            await channel.submit(parts)
            await until(lambda: len(reports) >= count, 30, f"{count} reports", reports.__len__)
            return count / (time.monotonic() - started)
        finally:
            await channel.stop()

    before = _cpu_seconds(sim.proc.pid)
    started = time.monotonic()
    rate = asyncio.run(scenario())
    share = (_cpu_seconds(sim.proc.pid) - before) / (time.monotonic() - started)
    print(
        f"\nCMPP simulator (own process, {connections} connections, window 64): {rate:.0f} "
        f"submits/s answered with a report each; simulator CPU {share:.0%} of a core"
    )
