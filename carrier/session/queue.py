"""The channel's queue of submissions waiting for a link, urgent ones first.

Each :class:`Job` is one part waiting for its :class:`SubmitResult`. The queue
orders by the submission's priority (0 = most urgent) and then by arrival, so
critical values and verification codes overtake a queued bulk batch; a job
that must be submitted again (its link dropped, its answer never came, the
gateway throttled it) goes back in front of its priority class.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from dataclasses import dataclass, field

from hisms.carrier.base import Outcome, Submission, SubmitResult


@dataclass(slots=True, eq=False)
class Job:
    submission: Submission
    future: asyncio.Future[SubmitResult]
    queued_at: float = field(default_factory=time.monotonic)
    resends: int = 0  # submitted again after a lost answer or a dropped link
    throttles: int = 0  # answered with flow control

    @property
    def done(self) -> bool:
        return self.future.done()

    def finish(
        self,
        outcome: Outcome,
        *,
        carrier_msg_id: str | None = None,
        error_code: str | None = None,
        error_text: str | None = None,
    ) -> None:
        if not self.future.done():
            key = self.submission.key
            self.future.set_result(
                SubmitResult(key, outcome, carrier_msg_id, error_code, error_text)
            )


class JobQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Job]] = []
        self._order = itertools.count(1)
        self._nonempty = asyncio.Event()

    def __len__(self) -> int:
        return len(self._heap)

    def put(self, job: Job, front: bool = False) -> None:
        order = next(self._order)
        job.queued_at = time.monotonic()
        heapq.heappush(self._heap, (job.submission.priority, -order if front else order, job))
        self._nonempty.set()

    async def get(self) -> Job:
        """The most urgent job still waiting for a result."""
        while True:
            while not self._heap:
                self._nonempty.clear()
                await self._nonempty.wait()
            job = heapq.heappop(self._heap)[2]
            if not job.done:  # its caller may have given up
                return job

    async def wait(self) -> None:
        """Until a job is queued, taking none (a dormant link reopens on demand)."""
        while not self._heap:
            self._nonempty.clear()
            await self._nonempty.wait()

    def take_waiting_since(self, cutoff: float) -> list[Job]:
        """Remove and return the jobs queued before ``cutoff`` (monotonic seconds)."""
        old = [entry[2] for entry in self._heap if entry[2].queued_at < cutoff]
        if old:
            self._heap = [entry for entry in self._heap if entry[2].queued_at >= cutoff]
            heapq.heapify(self._heap)
        return old

    def take_all(self) -> list[Job]:
        jobs = [entry[2] for entry in self._heap]
        self._heap.clear()
        return jobs
