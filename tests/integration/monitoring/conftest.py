"""``hisms run`` with ``[monitoring]`` on, against the CMPP simulator (the e2e fixture)."""

from __future__ import annotations

import asyncio
import email.policy
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hisms.carrier.cmpp import pdus
from hisms.carrier.simulator import SimConfig
from hisms.engine.bench.harness import toml_value
from tests.integration.e2e.conftest import (  # noqa: F401  (e2e: the fixture)
    ACCOUNT,
    E2E,
    SECRET,
    EngineProcess,
    RecordingSimulator,
    SimThread,
    e2e,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_monitored(
    world: E2E, sim_port: int, sections: dict[str, dict[str, Any]], *more: str, **channel: Any
) -> EngineProcess:
    """``hisms run`` with one CMPP channel at ``sim_port``, the ``more`` channel blocks and
    extra TOML ``sections``."""
    path = monitored_config(world, sim_port, sections, *more, **channel)
    engine = EngineProcess(path, world.tmp_path / f"engine-{len(world.engines)}.log")
    world.engines.append(engine)
    return engine


def monitored_config(
    world: E2E, sim_port: int, sections: dict[str, dict[str, Any]], *more: str, **channel: Any
) -> Path:
    """The e2e hisms.toml plus the ``more`` channel blocks and TOML ``sections``."""
    path = world.config(sim_port, **channel)
    extra = list(more)
    for name, values in sections.items():
        extra.append(f"[{name}]")
        extra.extend(f"{k} = {toml_value(v)}" for k, v in values.items())
    path.write_text(path.read_text("utf-8") + "\n".join(extra) + "\n", "utf-8")
    return path


def get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    """(status, body) of a GET; an HTTP error status is an answer, not an exception."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, parsed by prometheus_client: (name, labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    want = set(labels.items())
    return sum(v for (n, ls), v in found.items() if n == name and want <= set(ls))


def config_path(world: E2E) -> Path:
    return world.tmp_path / f"hisms-{len(world.engines) - 1}.toml"


class SimAt(SimThread):
    """A recording CMPP simulator on a given port: one that comes back where it was."""

    def __init__(self, config: SimConfig, port: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="cmpp-sim", daemon=True)
        self.thread.start()
        self.sim = self.call(lambda: RecordingSimulator(config, pdus.V30, port=port))
        self._await(self.sim.start())


def sim_config(**config: Any) -> SimConfig:
    return SimConfig(ACCOUNT, SECRET, **{"report_delay": 0.05, "mo_rules": (), **config})


def channel(name: str, port: int, **options: Any) -> str:
    """A [[channels]] block like the e2e one, for a second gateway."""
    values = {
        "name": name, "protocol": "cmpp", "host": "127.0.0.1", "port": port, "version": "3.0",
        "source_addr": ACCOUNT, "secret": SECRET, "src_number": "10690123", "service_id": "HISMS",
        "link_wait_seconds": 2, "reconnect_min_seconds": 0.1, "reconnect_max_seconds": 1,
        "drain_seconds": 1, **options,
    }  # fmt: skip
    return "[[channels]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in values.items())


@dataclass
class Mailbox:
    """What an aiosmtpd server on a real socket received."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in list(self.messages)]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
