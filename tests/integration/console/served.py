"""A console served by a real ``hisms`` process for the browser tests: started, waited for
until it listens, stopped. Its log goes to a file: a pipe nobody reads fills up and stops
the process mid-test."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def serving(config: Path, port: int, *command: str) -> Iterator[str]:
    """``hisms --config CONFIG COMMAND...`` (``run``, or ``console --port PORT``) until the
    block ends; the console's base URL once PORT listens."""
    log = config.with_suffix(".log")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hisms", "--config", str(config), *command],
            stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not listening(port):
            if proc.poll() is not None:
                raise AssertionError(f"hisms {command[0]} stopped: {log.read_text('utf-8')}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the console did not listen within 30 s: {log.read_text('utf-8')}"
                )
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/console"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
