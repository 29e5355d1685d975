"""Submits from every link into ``sms_outbox``, many per transaction.

A link awaits :meth:`Enqueuer.put` and answers its client only once that returns: the
rows are committed. ``writers`` transactions run at once (each on its own pooled
connection); submits arriving while they run wait for the next free one, which takes
them all (up to ``batch``), so a busy intake writes in batches and an idle one without
delay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence

from hisms.engine.store.base import NewMessage, Store, StoreDataError

_Item = tuple[str, list[NewMessage], asyncio.Future[list[int]]]


class Enqueuer:
    def __init__(self, store: Store, writers: int, batch: int = 500) -> None:
        self.store = store
        self.writers = writers
        self.batch = batch
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"hisms-intake-enqueue-{n}")
            for n in range(self.writers)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def put(self, actor: str, messages: list[NewMessage]) -> list[int]:
        """The outbox ids of ``messages``, once committed; the store's error otherwise."""
        done: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        await self._queue.put((actor, messages, done))
        return await done

    async def _run(self) -> None:
        while True:
            items = [await self._queue.get()]
            while not self._queue.empty() and len(items) < self.batch:
                items.append(self._queue.get_nowait())
            try:
                ids = await asyncio.to_thread(self._write, items)
            except Exception as exc:  # each waiting link answers its client with it
                for _, _, done in items:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, _, done), got in zip(items, ids, strict=True):
                if done.done():  # its link has gone meanwhile
                    continue
                if isinstance(got, Exception):
                    done.set_exception(got)
                else:
                    done.set_result(got)

    def _write(self, items: Sequence[_Item]) -> list[list[int] | Exception]:
        """Each item's ids, one transaction per login; when the database refuses a row's
        data, that login's items are written one by one so only the bad one fails."""
        by_actor: dict[str, list[int]] = defaultdict(list)
        for index, (actor, _, _) in enumerate(items):
            by_actor[actor].append(index)
        result: list[list[int] | Exception] = [[] for _ in items]
        for actor, indexes in by_actor.items():
            messages = [m for i in indexes for m in items[i][1]]
            try:
                ids = iter(self.store.enqueue(messages, actor=actor))
            except StoreDataError:
                for i in indexes:
                    result[i] = self._alone(actor, items[i][1])
                continue
            for i in indexes:
                result[i] = [next(ids) for _ in items[i][1]]
        return result

    def _alone(self, actor: str, messages: list[NewMessage]) -> list[int] | Exception:
        try:
            return self.store.enqueue(messages, actor=actor)
        except StoreDataError as exc:
            return exc
