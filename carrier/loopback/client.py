"""An in-process carrier for the demo and tests: no network, same contract.

It accepts every submission, hands out message ids, and reports each part after
``report_delay`` seconds. A deterministic share of numbers fail (by the last two
digits) so demos and tests see both outcomes; replies can be scripted by rule.

Its ids are unique across instances, as a gateway's are across the connections of one
account: engines sharing a loopback channel (several in one process, as in the tests)
never give two parts the same id, which matching reports to parts relies on (a part is
found by channel and id).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Sequence
from typing import Any

from hisms.carrier.base import (
    Carrier,
    CarrierError,
    ChannelState,
    DeliveryReport,
    EventSink,
    MoMessage,
    Outcome,
    Submission,
    SubmitResult,
)


class LoopbackCarrier(Carrier):
    def __init__(
        self,
        name: str,
        report_delay: float = 0.05,
        fail_suffixes: Sequence[str] = (),
        reply_rules: dict[str, str] | None = None,
        src_number: str = "106900000",
        submit_delay: float = 0.0,
    ) -> None:
        super().__init__(name)
        self.report_delay = report_delay
        self.fail_suffixes = tuple(fail_suffixes)
        self.reply_rules = reply_rules or {}
        self.src_number = src_number
        self.submit_delay = submit_delay  # simulates a slow gateway: batches stay in flight
        self.submitted: list[Submission] = []
        self._ids = itertools.count(1)
        self._prefix = f"LB{secrets.token_hex(4).upper()}"  # this instance's, at random
        self._sink: EventSink | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, on_event: EventSink) -> None:
        self._sink = on_event
        on_event(ChannelState(self.name, up=True, detail="loopback"))

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        if self.submit_delay:
            await asyncio.sleep(self.submit_delay)
        results = []
        for sub in batch:
            msg_id = f"{self._prefix}{next(self._ids):010d}"
            self.submitted.append(sub)
            results.append(SubmitResult(sub.key, Outcome.ACCEPTED, carrier_msg_id=msg_id))
            self._later(self._report(sub, msg_id))
        return results

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, sub: Submission, msg_id: str) -> None:
        await asyncio.sleep(self.report_delay)
        assert self._sink is not None
        failed = sub.phone.endswith(self.fail_suffixes) if self.fail_suffixes else False
        stat = "UNDELIV" if failed else "DELIVRD"
        self._sink(DeliveryReport(self.name, msg_id, stat, phone=sub.phone))
        if sub.seq == sub.total and not failed:
            self._reply(sub)

    def _reply(self, sub: Submission) -> None:
        assert self._sink is not None
        for keyword, reply in self.reply_rules.items():
            if keyword in sub.text:
                number = self.src_number + sub.src_ext
                self._sink(MoMessage(self.name, sub.phone, number, reply, extension=sub.src_ext))
                return


def from_config(name: str, options: dict[str, Any]) -> LoopbackCarrier:
    known = {"report_delay", "fail_suffixes", "reply_rules", "src_number", "submit_delay"}
    unknown = set(options) - known
    if unknown:
        raise CarrierError(f"channel {name!r}: unknown loopback option(s) {sorted(unknown)}")
    return LoopbackCarrier(name, **options)
