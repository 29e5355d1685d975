"""The simulators keep every DELIVER until it is answered and send it again on another
connection when its connection closes first, as an ISMG does; nothing is sent into a
connection that is closing. Shared by every protocol's simulator (SMGP here; CMPP's own
test is in tests/integration/carrier/test_cmpp_faults.py)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from hisms.carrier.simulator import SimConfig
from hisms.carrier.simulator.config import PendingReport
from hisms.carrier.smgp.adapter import SmgpAdapter
from hisms.carrier.smgp.options import SmgpOptions
from hisms.carrier.smgp.simulator import SmgpSimulator

CLIENT, SECRET = "90123456", "s3cret-Pa55"


class _Writer:
    """What the session writes, and whether it was closed."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closing = False

    def write(self, data: bytes) -> None:
        self.data += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True


def _login_bytes() -> bytes:
    adapter = SmgpAdapter(
        "t",
        SmgpOptions(
            host="127.0.0.1", port=1, client_id=CLIENT, secret=SECRET, src_number="1189001"
        ),
    )
    return adapter.new_connection().send(adapter.login(1))


def _report(n: int) -> PendingReport:
    return PendingReport(bytes(10), f"1380013800{n}", "DELIVRD", datetime.now(), "1189001")


async def _connection_that_logs_in_and_closes(sim: SmgpSimulator, writer: _Writer) -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(_login_bytes())
    reader.feed_eof()  # the client goes without answering anything
    await sim.serve(reader, writer)  # type: ignore[arg-type]


def test_reports_unanswered_when_the_connection_closes_are_sent_again() -> None:
    async def scenario() -> None:
        sim = SmgpSimulator(SimConfig(CLIENT, SECRET))
        for n in range(3):
            sim._dispatch(_report(n))  # no client yet: kept for the first login
        writer = _Writer()
        await _connection_that_logs_in_and_closes(sim, writer)
        assert sim.counters.logins == 1 and len(writer.data) > 0
        assert sim.counters.redelivered == 3
        # ...waiting for the next login, not lost
        again = _Writer()
        await _connection_that_logs_in_and_closes(sim, again)
        assert sim.counters.redelivered == 6

    asyncio.run(scenario())


def test_nothing_is_sent_into_a_closing_connection() -> None:
    async def scenario() -> None:
        sim = SmgpSimulator(SimConfig(CLIENT, SECRET))
        writer = _Writer()
        session = sim.session(writer)  # type: ignore[arg-type]
        sim.logged_in(session)
        writer.close()  # the gateway is dropping it, e.g. the drop_after_submits fault
        sim._dispatch(_report(1))
        assert session.unacked == {}
        assert sim.counters.reports_sent == 0  # kept for the next login instead

    asyncio.run(scenario())
