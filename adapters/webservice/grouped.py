"""SendSms rows from many request threads, written several to a transaction.

A request thread calls :meth:`Grouped.enqueue` and answers its client only once that
returns: its row is committed. At most ``writers`` transactions run at once; requests
arriving while they run wait, and when one ends, the oldest waiting request's thread takes
its turn and writes all that are waiting (up to ``batch``) in one transaction, each still
getting its own id. An idle service writes each request at once, a busy one pays one
commit for many requests. Each thread is woken only when its row is written or its turn
comes, not at every commit.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from hisms.engine.store.base import NewMessage, Store, StoreDataError


@dataclass(slots=True)
class _Waiting:
    actor: str
    messages: Sequence[NewMessage]
    ids: list[int] = field(default_factory=list)
    error: Exception | None = None
    done: bool = False
    lead: bool = False  # it holds a writer's turn: it writes what is waiting
    woken: threading.Event = field(default_factory=threading.Event)


class Grouped:
    def __init__(self, store: Store, writers: int = 1, batch: int = 200) -> None:
        self._store = store
        self._batch = batch
        self._free = writers  # writers' turns nobody holds
        self._pending: list[_Waiting] = []
        self._lock = threading.Lock()

    def enqueue(self, messages: Sequence[NewMessage], actor: str) -> list[int]:
        """As :meth:`Store.enqueue`: the outbox ids once committed, or the store's error."""
        waiting = _Waiting(actor, messages)
        with self._lock:
            self._pending.append(waiting)
            if self._free:
                self._free -= 1
                waiting.lead = True
        while True:
            if waiting.lead:
                self._write_some(waiting)
            if waiting.done:
                break
            waiting.woken.wait()  # written by another, or handed a writer's turn
            waiting.woken.clear()
        if waiting.error is not None:
            raise waiting.error
        return waiting.ids

    def _write_some(self, me: _Waiting) -> None:
        """Write what is waiting (``me`` too, unless another writer took it), then hand the
        turn to the oldest request still waiting: each thread is woken only for its own."""
        with self._lock:
            me.lead = False
            group = self._pending[: self._batch]
            del self._pending[: len(group)]
        try:
            self._write(group)
        finally:
            for waiting in group:
                waiting.done = True
                if waiting is not me:
                    waiting.woken.set()
            with self._lock:
                if self._pending:
                    self._pending[0].lead = True
                    self._pending[0].woken.set()
                else:
                    self._free += 1

    def _write(self, group: list[_Waiting]) -> None:
        """One transaction per login; when the database refuses a row's data, that login's
        requests are written one by one so only the bad one fails."""
        by_actor: dict[str, list[_Waiting]] = defaultdict(list)
        for waiting in group:
            by_actor[waiting.actor].append(waiting)
        for actor, requests in by_actor.items():
            try:
                ids = iter(self._store.enqueue([m for w in requests for m in w.messages], actor))
            except StoreDataError:
                for waiting in requests:
                    self._alone(waiting)
                continue
            except Exception as exc:  # each request answers with it, as it would alone
                for waiting in requests:
                    waiting.error = exc
                continue
            for waiting in requests:
                waiting.ids = [next(ids) for _ in waiting.messages]

    def _alone(self, waiting: _Waiting) -> None:
        try:
            waiting.ids = self._store.enqueue(waiting.messages, waiting.actor)
        except Exception as exc:
            waiting.error = exc
