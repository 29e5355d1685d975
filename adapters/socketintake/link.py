"""One client connection of the socket intake, whatever its protocol.

A protocol subclass reads its PDUs and calls :meth:`IntakeLink.login_ok` after a good
login, :meth:`IntakeLink.take_submit` for each submit and :meth:`IntakeLink.answered`
for each answer to a DELIVER / deliver_sm; it says how to answer a submit
(:meth:`IntakeLink.accept`, :meth:`IntakeLink.refuse`), how to probe a silent client and
which PDUs carry an event. Everything else is here: the rate (a throttled answer past
it), long messages joined from their parts, the window (reading stops while ``window``
submits wait for the database), the answer only once the row is committed, keep-alive,
and the reports and MO this link carries for the feed.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from hisms.adapters.socketintake.feed import Event
from hisms.adapters.socketintake.parts import Parts
from hisms.adapters.socketintake.service import Intake
from hisms.carrier.session.serving import ServerLink
from hisms.carrier.wire import numbers
from hisms.carrier.wire.connection import Connection
from hisms.carrier.wire.udh import Concat
from hisms.engine import phone
from hisms.engine.store.base import NewMessage, StoreDataError, StoreError

log = logging.getLogger(__name__)
MAX_CONTENT = 2000  # sms_outbox.content on the narrowest dialect (Oracle NVARCHAR2(2000))
MAX_HELD_PARTS = 4096  # parts of incomplete long messages one link may hold


class Refusal(enum.Enum):
    THROTTLED = "throttled"  # over the login's rate
    BAD_NUMBER = "bad number"
    TOO_LONG = "too long"
    NOT_STORED = "not stored"  # the database refused the row's data
    BUSY = "busy"  # the database is unreachable: try again
    INCOMPLETE = "incomplete"  # a long message's other parts never came
    NOT_ALLOWED = "not allowed"  # a receiver bind may not submit


class IntakeLink(ServerLink):
    def __init__(
        self, intake: Intake, conn: Connection[Any], writer: asyncio.StreamWriter, peer: str
    ) -> None:
        super().__init__(conn, writer)
        self.intake = intake
        self.cfg = intake.cfg
        self.peer = peer
        self.login = ""
        self.source = ""
        self.receiving = False
        self._waiting = 0  # submits being written
        self._room = asyncio.Event()
        self._parts: Parts[Any] = Parts(self.cfg.parts_timeout_seconds)
        self._tasks: set[asyncio.Task[None]] = set()
        self._probing = False
        self._events: dict[int, tuple[Event, set[int]]] = {}  # event id -> (event, seqs out)
        self._seqs: dict[int, int] = {}  # DELIVER sequence -> event id

    # -- what a protocol says ------------------------------------------------

    @abstractmethod
    def accept(self, token: Any, msg_id: int) -> None:
        """Answer the submit ``token`` names: stored as outbox row ``msg_id``."""

    @abstractmethod
    def refuse(self, token: Any, why: Refusal) -> None: ...

    @abstractmethod
    def probe(self) -> None:
        """Send a keep-alive request."""

    @abstractmethod
    def event_pdus(self, event: Event) -> list[tuple[int, Any]]:
        """The (sequence, PDU) pairs that carry ``event`` (several for a long MO)."""

    # -- login and logout ----------------------------------------------------

    def login_ok(self, login: str, receiving: bool) -> bool:
        """After a good password: False when the login has all its links (``max_links``)."""
        if not self.intake.open_link(login):
            return False
        self.login = login
        self.source = self.intake.cfg.accounts[login].source_system
        self.receiving = receiving
        if receiving:
            self.intake.feed.attach(self.source, self)
        log.info("intake %s: %s logged in from %s", self.intake.protocol, login, self.peer)
        return True

    def closed(self) -> None:
        """The connection is gone: its reports and MO go out again elsewhere."""
        if not self.login:
            return
        self.intake.close_link(self.login)
        if self.receiving:
            self.intake.feed.detach(self.source, self)
        log.info("intake %s: %s from %s left", self.intake.protocol, self.login, self.peer)

    # -- submits -------------------------------------------------------------

    def take_submit(
        self, token: Any, phones: Sequence[str], concat: Concat | None, text: str
    ) -> None:
        now = time.monotonic()
        for held in self._parts.expired(now):
            self.refuse(held, Refusal.INCOMPLETE)
        if not self.intake.may_submit(self.login):
            self.refuse(token, Refusal.THROTTLED)
            return
        try:
            numbers_ = [phone.normalise(p) for p in phones]
        except phone.InvalidPhone as exc:
            log.info("intake %s: %s sent %s", self.intake.protocol, self.login, exc.text)
            self.refuse(token, Refusal.BAD_NUMBER)
            return
        tokens = [token]
        if concat is not None and concat.total > 1:
            if len(self._parts) >= MAX_HELD_PARTS:
                self.refuse(token, Refusal.THROTTLED)
                return
            whole = self._parts.add(tuple(numbers_), concat, text, token, now)
            if whole is None:
                return  # answered with the others once the last part is in
            tokens, text = whole.tokens, whole.text
        if not numbers_ or len(text) > MAX_CONTENT:
            for each in tokens:
                self.refuse(each, Refusal.TOO_LONG if numbers_ else Refusal.BAD_NUMBER)
            return
        self._waiting += 1
        task = asyncio.create_task(self._store(tokens, numbers_, text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _store(self, tokens: list[Any], phones: list[str], text: str) -> None:
        messages = [NewMessage(p, text, source_system=self.source) for p in phones]
        try:
            ids = await self.intake.enqueuer.put(self.intake.actor(self.login), messages)
        except StoreDataError as exc:
            log.warning(
                "intake %s: a message of %s refused by the database: %s",
                self.intake.protocol,
                self.login,
                exc,
            )
            self._answer_all(tokens, Refusal.NOT_STORED)
        except StoreError as exc:
            log.warning("intake %s: database unavailable: %s", self.intake.protocol, exc)
            self._answer_all(tokens, Refusal.BUSY)
        else:
            for token in tokens:
                self.accept(token, ids[0])  # committed: now the client may hear of it
        finally:
            self._waiting -= 1
            self._room.set()

    def _answer_all(self, tokens: list[Any], why: Refusal) -> None:
        for token in tokens:
            self.refuse(token, why)

    async def ready(self) -> None:
        while self._waiting >= self.cfg.window:
            self._room.clear()
            await self._room.wait()

    # -- keep-alive ----------------------------------------------------------

    def served(self, pdu: Any) -> None:
        self._probing = False  # anything from the client shows it is there

    def idle_after(self) -> float | None:
        return self.cfg.keepalive_seconds

    def on_idle(self) -> bool:
        for held in self._parts.expired(time.monotonic()):
            self.refuse(held, Refusal.INCOMPLETE)
        if self._probing:
            log.warning(
                "intake %s: %s from %s did not answer the keep-alive: dropped",
                self.intake.protocol, self.login or "a client", self.peer,
            )  # fmt: skip
            return False
        self._probing = True
        self.probe()
        return True

    # -- reports and MO (the feed's Receiver) --------------------------------

    def deliver_room(self) -> int:
        return self.cfg.deliver_window - len(self._events) if not self.writer.is_closing() else 0

    def deliver(self, event: Event) -> None:
        pairs = self.event_pdus(event)
        self._events[event["id"]] = (event, {seq for seq, _ in pairs})
        for seq, pdu in pairs:
            self._seqs[seq] = event["id"]
            self.send(pdu)
        log.debug(
            "intake %s: %s event %s to %s (%s)", self.intake.protocol, event["kind"],
            event["id"], self.login, numbers.mask(event.get("phone")),
        )  # fmt: skip

    def forget(self, event_id: int) -> None:
        _, seqs = self._events.pop(event_id, (None, set()))
        for seq in seqs:
            self._seqs.pop(seq, None)

    def answered(self, seq: int, ok: bool) -> None:
        """The client answered the DELIVER ``seq``: an event is acknowledged once every
        PDU carrying it is; a refused one goes out again after ``resend_seconds``."""
        event_id = self._seqs.pop(seq, None)
        if event_id is None or event_id not in self._events:
            return
        event, seqs = self._events[event_id]
        if not ok:
            self.forget(event_id)
            return
        seqs.discard(seq)
        if not seqs:
            del self._events[event_id]
            task = asyncio.create_task(self.intake.feed.acked(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def cancel(self) -> None:
        """The server stops: what this link still waits for is given up (a submit whose
        row was committed meanwhile stays; its client never heard of it)."""
        for task in list(self._tasks):
            task.cancel()
