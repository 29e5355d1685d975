"""The engine's run loop: claim lanes, batch processing, leases and write-back.

Two lanes claim independently: ``urgent`` (priority 0-1, small batches) and
``bulk`` (everything, large batches), so a bulk backlog never delays a critical
value. Each lane keeps up to ``inflight_batches`` batches with the carriers at
once. Side tasks extend the leases of rows in flight (heartbeat), give back
rows of dead workers (reclaim), and flush delivery reports and MO to the
database in batches. Database calls are blocking and run in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from hisms.carrier.base import (
    Carrier,
    CarrierEvent,
    ChannelState,
    DeliveryReport,
    MoMessage,
    MoPart,
    Outcome,
    SubmitKey,
    SubmitResult,
    utcnow,
)
from hisms.carrier.wire.numbers import mask
from hisms.engine import moparts, numbering, parking, process
from hisms.engine.billing import quota
from hisms.engine.billing.accounts import Account, Owners
from hisms.engine.channels import Channels
from hisms.engine.config import Settings
from hisms.engine.errors import ErrorCode
from hisms.engine.isolate import isolate
from hisms.engine.policy.blacklist import is_unsubscribe
from hisms.engine.policy.sync import PolicySync
from hisms.engine.resend import ResendPolicy
from hisms.engine.retry import RetryPolicy
from hisms.engine.shares import ChannelShares, Shareable
from hisms.engine.status import Status
from hisms.engine.store.base import (
    BULK,
    URGENT,
    Claimed,
    Lane,
    Mo,
    MoPartRow,
    Store,
    StoreDataError,
    StoreDeadlock,
    StoreError,
    WriteBack,
)
from hisms.monitoring.metrics import Metrics

log = logging.getLogger(__name__)
E = TypeVar("E", DeliveryReport, MoMessage, MoPart)
# How long the LISTEN thread blocks at a time: bounds how long a stop waits for it.
LISTEN_SLICE_SECONDS = 1.0
# How long reports and replies gather after the first arrives before they are written: a
# write per arrival would hold the database's attention (SQLite's one writer above all);
# a gateway waiting for our answers loses no more than this per window.
GATHER_SECONDS = 0.01
# Why a stopping engine's unsent parts went back (error_text of their PENDING rows).
STOPPING = "engine stopping: handed back unsent"


class Engine:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        carriers: Mapping[str, Carrier],
        metrics: Metrics | None = None,
    ) -> None:
        self.cfg = settings.engine
        self.history = settings.history
        self.store = store
        self.carriers = dict(carriers)
        self.worker = self.cfg.resolved_worker_id()
        self.rules = settings.validation.rules()
        self.channels = Channels(settings, carriers)
        self.policies = PolicySync(settings.profiles(), settings.policy)
        self.policy = RetryPolicy(
            self.cfg.max_attempts,
            self.cfg.retry_base_seconds,
            self.cfg.retry_max_seconds,
            self.cfg.channel_wait_seconds,
        )
        self.resend = ResendPolicy(
            settings.resend,
            {c.name: c.protocol for c in settings.channels},
            lambda number: self.channels.router.number(number),
        )
        shared = {n: c for n, c in carriers.items() if isinstance(c, Shareable)}
        self.shares = (
            ChannelShares(store, self.worker, self.cfg, shared, self.channels.share)
            if self.cfg.share_limits and shared
            else None
        )
        self._unshared = len(shared) < len(carriers) or self.shares is None
        self._sync_seconds = settings.health.poll_seconds
        self._reloads: set[asyncio.Task[None]] = set()
        self.billing = settings.billing
        self.zone = ZoneInfo(settings.timezone)
        self.accounts: dict[str, Account] = {}
        self._accounts_version: str | None = None
        self.counts: Counter[str] = Counter()
        self.metrics = metrics or Metrics(self.worker)
        self.channel_state: dict[str, ChannelState] = {}
        self._held: set[int] = set()
        self._reports: list[DeliveryReport] = []
        self._mos: list[MoMessage] = []
        self._parts: list[MoPart] = []
        # Set while fewer than event_queue_limit reports and replies wait to be stored;
        # clear, the carriers stop reading from their gateways (backpressure).
        self._room = asyncio.Event()
        self._room.set()
        self._sending: Counter[str] = Counter()  # numbers in batches not yet written back
        self._failing_since: float | None = None  # when writing reports/MO began to fail
        self._refusing: dict[str, str] = {}  # claim, write-back, flush -> the database's error
        self._arrived = asyncio.Event()  # reports or MO wait to be stored (and answered)
        self._stop = asyncio.Event()
        self._draining = False  # stopping: nothing more goes to the carriers
        self._unlisten = threading.Event()  # the LISTEN thread's stop: asyncio's is not thread-safe
        self._wake = {URGENT.name: asyncio.Event(), BULK.name: asyncio.Event()}
        self._batches: set[asyncio.Task[None]] = set()

    # -- lifecycle ------------------------------------------------------------

    async def run(self) -> None:
        """Run until :meth:`stop`; then finish in-flight batches and flush."""
        if self.shares is not None:
            await self._guarded(self.shares.start)
        for carrier in self.carriers.values():
            carrier.hold_events(self._room)
            await carrier.start(self._on_event)
        try:
            await self._sync()  # the database's rules and operators' modes before any claim
        except StoreError as exc:
            log.error("reading routing from the database failed: %s", exc)
        await self._guarded(self._history)  # this month's partitions exist before any intake
        lanes = [
            asyncio.create_task(self._lane(URGENT, self.cfg.urgent_batch_size)),
            asyncio.create_task(self._lane(BULK, self.cfg.batch_size)),
        ]
        side = [
            asyncio.create_task(self._every(self.cfg.lease_seconds / 3, self._heartbeat)),
            asyncio.create_task(self._every(self.cfg.reclaim_every_seconds, self._reclaim)),
            asyncio.create_task(self._every(self.cfg.purge_every_seconds, self._purge)),
            asyncio.create_task(
                self._every(self.cfg.writeback_every_seconds, self._flush, self._arrived)
            ),
            asyncio.create_task(
                self._every(self.cfg.report_timeout_every_seconds, self._expire_reports)
            ),
            asyncio.create_task(self._every(self._sync_seconds, self._sync)),
            asyncio.create_task(self._every(self.billing.rollup_every_seconds, self._roll_up)),
            asyncio.create_task(
                self._every(min(30.0, self.cfg.mo_parts_seconds / 2), self._mo_part_sweep)
            ),
        ]
        if self.shares is not None:
            side.append(
                asyncio.create_task(self._every(self.cfg.share_heartbeat_seconds, self.shares.tick))
            )
        listener = self._start_listener()
        log.info("worker %s started with channels %s", self.worker, ", ".join(self.carriers))
        await self._stop.wait()
        self._unlisten.set()
        handed = self._hand_back()  # first: a lane waiting for a free slot waits for it
        for wake in self._wake.values():
            wake.set()
        await asyncio.gather(*lanes)
        await self._drain(handed)
        for carrier in self.carriers.values():
            await carrier.stop()  # each link waits for its in-flight answers, then logs out
        # What the links closed on comes back as RETRY; the write-backs may take a lease.
        await self._batches_done(self.cfg.lease_seconds, "written back")
        await _cancel(side)
        await self._flush()
        if self.shares is not None:
            await self._guarded(self.shares.leave)
        if listener is not None:
            listener.join(timeout=LISTEN_SLICE_SECONDS + 1)
        log.info("worker %s stopped: %s", self.worker, dict(self.counts))

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def writes_refused(self) -> str | None:
        """Why the database takes none of this engine's writes (read-only, disk full, a
        standby after a failover), while its last claim, write-back or flush failed; the
        monitoring probe, which only reads, counts it as the database being down."""
        if not self._refusing:
            return None
        return "; ".join(
            f"{what}: {' '.join(why.split())[:200]}" for what, why in self._refusing.items()
        )

    def _hand_back(self) -> int:
        """SIGTERM: the parts still queued for the links go back at once (their rows PENDING,
        due now, the attempt given back, no lease to wait for), as does every part not yet
        submitted (``_blocked``); how many were queued."""
        self._draining = True
        return sum(carrier.hand_back(STOPPING) for carrier in self.carriers.values())

    async def _drain(self, handed: int) -> None:
        """Once no lane claims: what is on the wire gets ``drain_seconds`` to be answered and
        written back; reports and MO are flushed (and answered) while the links are up."""
        log.info(
            "stopping: %d queued parts handed back, waiting up to %gs for %d batches in flight",
            handed,
            self.cfg.drain_seconds,
            len(self._batches),
        )
        await self._batches_done(self.cfg.drain_seconds, "answered")
        await self._flush()

    async def _batches_done(self, seconds: float, what: str) -> None:
        if not self._batches:
            return
        _, late = await asyncio.wait(set(self._batches), timeout=seconds)
        if late:
            log.warning(
                "%d batches not %s within %gs; their rows come back after their lease",
                len(late),
                what,
                seconds,
            )

    def _blocked(self, channel: str) -> str | None:
        """Why ``channel`` takes nothing now: this engine is stopping, or the router's reason."""
        return STOPPING if self._draining else self.channels.router.blocked(channel)

    def reload(self) -> None:
        """SIGHUP: read routing, channel modes, the content policy and the billing accounts
        from the database now rather than at the next ``health.poll_seconds``; links stay up."""
        log.info("reloading routing, channel modes and the content policy (and accounts)")
        task = asyncio.get_running_loop().create_task(self._reload())
        self._reloads.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._reloads.discard)

    async def _reload(self) -> None:
        # Said when done: messages claimed from now on are planned with what was read.
        try:
            await self._sync()
        except StoreError as exc:
            log.error("reload failed, the rules in force are kept: %s", exc)
        else:
            log.info("reloaded: routing, channel modes, content policy and accounts in force")

    # -- claiming -------------------------------------------------------------

    async def _lane(self, lane: Lane, batch_size: int) -> None:
        slots = asyncio.Semaphore(self.cfg.inflight_batches)
        idle = self.cfg.poll_min_seconds
        wake = self._wake[lane.name]
        while not self._stop.is_set():
            await slots.acquire()
            if self._stop.is_set():
                break
            if not self._may_claim():
                slots.release()
                await _wait(self._stop, self.cfg.share_heartbeat_seconds)
                continue
            wake.clear()
            try:
                rows = await asyncio.to_thread(
                    self.store.claim, self.worker, lane, batch_size, self.cfg.lease_seconds
                )
            except StoreError as exc:
                log.error("claim failed on lane %s: %s", lane.name, exc)
                self._refusing["claim"] = str(exc)
                rows = []
            else:  # the outbox takes writes again (a write-back that gave up stays no cause)
                self._refusing.pop("claim", None)
                self._refusing.pop("write-back", None)
            if rows:
                idle = self.cfg.poll_min_seconds
                self.counts["claimed"] += len(rows)
                self.metrics.claimed(lane.name, len(rows))
                self._spawn(self._batch(rows, lane.name), slots.release)
                continue
            slots.release()
            await _wait(wake, idle)
            idle = self._next_idle(idle)

    def _may_claim(self) -> bool:
        """False while this engine holds no connection of any channel it could send on:
        the engines holding them send, this one waits to take over."""
        return self._unshared or self.shares is None or self.shares.sending

    def _next_idle(self, idle: float) -> float:
        if self.store.announces_inserts:
            return self.cfg.poll_max_seconds  # NOTIFY wakes us; polling is only a safety net
        return min(idle * 2, self.cfg.poll_max_seconds)

    def _spawn(self, coro: Awaitable[None], done: Callable[[], None]) -> None:
        task = asyncio.ensure_future(coro)
        self._batches.add(task)

        def finished(t: asyncio.Task[None]) -> None:
            self._batches.discard(t)
            done()

        task.add_done_callback(finished)

    # -- one batch ------------------------------------------------------------

    async def _batch(self, rows: list[Claimed], lane: str) -> None:
        ids = [r.id for r in rows]
        self._held.update(ids)
        try:
            # Every row, not only attempts after the first: a row that waited for a channel
            # got its attempt back, and may have parts accepted before it waited.
            accepted = await asyncio.to_thread(self.store.accepted_parts, [r.id for r in rows])
            router = self.channels.router
            content = self.policies.current
            outgoing, written = process.plan(
                rows,
                self.rules,
                router,
                content,
                self.policy,
                self._coding,
                accepted,
                self._sender,
            )
            outgoing = await self._unique(outgoing, written)
            outgoing = await self._quota(outgoing, written)
            phones = Counter(m.phone for m in outgoing)
            self._sending.update(phones)
            self.metrics.sending(numbering.operator_of(p) for p in phones)
            try:
                results = await self._submit(outgoing)
                await self._fail_over(outgoing, results)
                due = utcnow() if self._draining else None  # handed back: for anyone, now
                process.settle(outgoing, results, self.policy, written, self._blocked, due)
                await self._write(written)
                self.metrics.written(lane, _statuses(written))
            finally:
                self._sending -= phones  # drops the zeros: only numbers in flight stay
        except Exception:
            # A bug must not kill the worker; the rows come back when their lease expires.
            log.exception("batch of %d rows failed; they will be reclaimed", len(rows))
        finally:
            self._held.difference_update(ids)

    async def _unique(
        self, outgoing: list[process.Outgoing], written: WriteBack
    ) -> list[process.Outgoing]:
        """Drop the messages another (in this batch, or any engine's before) came first in a
        duplicate window with: the database keeps the windows, so every engine sees them."""
        claims: dict[str, dict[str, Any]] = {}
        now = utcnow()
        for m in sorted(outgoing, key=lambda m: m.row.id):
            if m.digest is not None:
                expire_at = now + timedelta(seconds=m.window)
                claims.setdefault(
                    m.digest, {"digest": m.digest, "outbox_id": m.row.id, "expire_at": expire_at}
                )
        if not claims:
            return outgoing
        firsts = await asyncio.to_thread(self.store.first_messages, list(claims.values()), now)
        return process.drop_duplicates(outgoing, firsts, written)

    async def _quota(
        self, outgoing: list[process.Outgoing], written: WriteBack
    ) -> list[process.Outgoing]:
        """Charge the messages of accounts with quotas; hold or refuse those over them."""
        if not self.accounts:
            return outgoing
        today = utcnow().astimezone(self.zone).date()
        found = quota.sort_out(outgoing, self._owners().of, self.accounts, today, written)
        fits = await asyncio.to_thread(self.store.charge, found.charges) if found.charges else set()
        recheck = utcnow() + timedelta(seconds=self.billing.quota_recheck_seconds)
        return quota.settle(found, fits, recheck, written)

    def _owners(self) -> Owners:
        profiles = self.policies.current.profiles
        return Owners(profiles, self.accounts, self.billing.default_account)

    def _coding(self, channel: str, text: str) -> int:
        return self.carriers[channel].coding(text)

    def _sender(self, channel: str) -> str:
        return self.carriers[channel].src_number

    async def _submit(self, outgoing: Sequence[process.Outgoing]) -> dict[SubmitKey, SubmitResult]:
        by_channel: dict[str, list[process.Outgoing]] = defaultdict(list)
        for message in outgoing:
            by_channel[message.channel].append(message)
        answers = await asyncio.gather(
            *(self._submit_channel(name, msgs) for name, msgs in by_channel.items())
        )
        return {r.key: r for results in answers for r in results}

    async def _fail_over(
        self, outgoing: Sequence[process.Outgoing], results: dict[SubmitKey, SubmitResult]
    ) -> None:
        """Send each message a channel handed back because it stopped taking traffic (DOWN,
        DISABLED) through the next channel of its group, at once: no retry timer, no
        attempt spent. What no channel takes is left to settle as waiting."""
        router = self.channels.router
        candidates = list(outgoing)
        while True:
            moved = []
            for m in candidates:
                got = [results.get(p.key) for p in m.parts]
                handed_back = any(r is None or r.outcome is Outcome.RETRY for r in got)
                refused = any(r is not None and r.outcome is Outcome.FAILED for r in got)
                if handed_back and not refused and router.blocked(m.channel) is not None:
                    before = m.channel
                    if m.fail_over(router, self._coding).channel is not None:
                        log.info("message %d fails over from %s to %s", m.row.id, before, m.channel)
                        moved.append(m)
            if not moved:
                return
            self.counts["failed_over"] += len(moved)
            results.update(await self._submit(moved))
            candidates = moved

    async def _submit_channel(
        self, channel: str, messages: list[process.Outgoing]
    ) -> list[SubmitResult]:
        parts = [p for m in messages for p in m.parts]
        blocked = self._blocked(channel)
        if blocked is not None:  # down since these were routed, or stopping: hand them back
            return [
                SubmitResult(p.key, Outcome.RETRY, error_code=ErrorCode.RETRY, error_text=blocked)
                for p in parts
            ]
        started = utcnow()
        try:
            results = await self.carriers[channel].submit(parts)
            if not self._draining:  # handed back is no verdict on the channel's health
                self.channels.answered(channel, results)
        except Exception as exc:
            log.exception("channel %s raised on submit", channel)
            results = [
                SubmitResult(
                    p.key, Outcome.RETRY, error_code=ErrorCode.CARRIER_ERROR, error_text=str(exc)
                )
                for p in parts
            ]
        for r in results:
            self.metrics.part(channel, r.outcome.value, (r.at - started).total_seconds())
        return results

    async def _write(self, batch: WriteBack) -> None:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(StoreError),
            wait=wait_exponential(multiplier=0.2, max=5),
            stop=stop_after_delay(self.cfg.lease_seconds),
            before_sleep=self._write_back_retried,
            reraise=True,
        ):
            with attempt:
                result = await asyncio.to_thread(
                    self.store.write_back, self.worker, batch, self.resend
                )
        self._refusing.pop("write-back", None)
        self.counts["submitted"] += len(batch.submitted)
        self.counts["final"] += len(batch.finals)
        self.counts["retried"] += len(batch.retries)
        if result.fenced_out:
            log.warning("%d rows had been reclaimed by another worker", result.fenced_out)

    def _write_back_retried(self, state: RetryCallState) -> None:
        self.counts["retried_write_backs"] += 1
        error = state.outcome.exception() if state.outcome else None
        self._refusing["write-back"] = str(error)
        self.counts["deadlocks"] += isinstance(error, StoreDeadlock)

    # -- carrier events -------------------------------------------------------

    def _on_event(self, event: CarrierEvent) -> None:
        if isinstance(event, DeliveryReport):
            self.channels.reported(event)
            self._reports.append(event)
            self._arrived.set()
        elif isinstance(event, MoMessage):
            log.debug("MO from %s on %s", mask(event.phone), event.channel)
            self._mos.append(event)
            self._arrived.set()
        elif isinstance(event, MoPart):
            self._parts.append(event)
            self._arrived.set()
        else:
            self._channel_state(event)
            return
        if self._waiting() >= self.cfg.event_queue_limit and self._room.is_set():
            self._room.clear()
            self.counts["held_reading"] += 1
            log.warning(
                "%d reports and replies wait to be stored (engine.event_queue_limit): the "
                "gateway links stop reading until they are",
                self._waiting(),
            )

    def _waiting(self) -> int:
        """Reports and replies received, not yet stored (nor answered)."""
        return len(self._reports) + len(self._mos) + len(self._parts)

    def _channel_state(self, state: ChannelState) -> None:
        before = self.channel_state.get(state.channel)
        self.channel_state[state.channel] = state
        if before is None or before.up != state.up:
            level = logging.INFO if state.up else logging.ERROR
            log.log(
                level,
                "channel %s links are %s %s",
                state.channel,
                "up" if state.up else "DOWN",
                state.detail,
            )
        self.channels.link(state)

    async def _flush(self) -> None:
        reports, self._reports = self._reports, []
        kept_reports, trouble = await self._saved("reports", reports, self._save_reports)
        self._reports[:0] = kept_reports
        mos, self._mos = self._waiting_for_their_mt(self._mos)
        kept_mos, mo_trouble = await self._saved("mo", mos, self._save_mo)
        self._mos[:0] = kept_mos
        parts, self._parts = self._parts, []
        sets: list[list[MoPartRow]] = []

        def save_parts(some: Sequence[MoPart]) -> None:
            sets.extend(self.store.save_mo_parts(self.worker, [moparts.row(p) for p in some]))

        kept_parts, part_trouble = await self._saved("mo_parts", parts, save_parts)
        self._parts[:0] = kept_parts
        if self._waiting() < self.cfg.event_queue_limit and not self._room.is_set():
            self._room.set()
            log.info("reports and replies are stored again: the gateway links read again")
        if reports or mos or parts:
            self._writes_went(trouble or mo_trouble or part_trouble)
        await self._join([s for s in sets if moparts.missing(s) == 0])

    async def _mo_part_sweep(self) -> None:
        """Join the sets completed by two engines at once (neither saw the other's last
        part) and store those incomplete for longer than mo_parts_seconds, as they are."""
        sets = await asyncio.to_thread(self.store.mo_part_sets)
        now = utcnow()
        await self._join([s for s in sets if moparts.due(s, now, self.cfg.mo_parts_seconds)])

    async def _join(self, sets: Sequence[Sequence[MoPartRow]]) -> None:
        """Store each set of parts as one reply and delete its parts, in one transaction; a
        set another engine stores first is left to it. A joined reply the database refuses
        is parked. A database error waits for the next sweep: the parts are safe."""
        window = self.cfg.mo_correlation_hours * 3600
        for parts in sets:
            message, gone = moparts.joined(parts), moparts.missing(parts)
            try:
                stored = await asyncio.to_thread(
                    self.store.store_mo_set, self.worker, parts, self._mo(message), window, gone
                )
            except StoreDataError as exc:
                await self._park([(message, exc)])
                await asyncio.to_thread(
                    self.store.store_mo_set, self.worker, parts, None, window, gone
                )
                continue
            if stored:
                self.counts["mo"] += 1
                self._observe([message])
                if gone:
                    log.warning(
                        "a long reply from %s on %s is stored without %d of its %d parts",
                        mask(message.phone),
                        message.channel,
                        gone,
                        parts[0].total,
                    )

    def _save_reports(self, reports: Sequence[DeliveryReport]) -> None:
        self.store.save_reports(self.worker, reports, self.resend)

    def _save_mo(self, mos: Sequence[MoMessage]) -> None:
        window = self.cfg.mo_correlation_hours * 3600
        replies = [self._mo(m) for m in mos]
        self.store.save_mo(self.worker, replies, window)
        if any(r.unsubscribe for r in replies):
            # this engine blocks the number from now on, not from its next policy poll
            self.policies.sync(self.store)

    def _waiting_for_their_mt(
        self, mos: list[MoMessage]
    ) -> tuple[list[MoMessage], list[MoMessage]]:
        """(replies to store now, replies to keep): a reply to a number whose MT is still
        being written back waits for it, else it would miss its MT's submitted_at and stay
        uncorrelated; for one lease at most, as that is how long a write-back may take."""
        oldest = utcnow() - timedelta(seconds=self.cfg.lease_seconds)
        now: list[MoMessage] = []
        keep: list[MoMessage] = []
        for m in mos:
            waits = self._sending[m.phone] > 0 and m.received_at > oldest
            (keep if waits else now).append(m)
        return now, keep

    async def _saved(
        self, counter: str, events: list[E], write: Callable[[Sequence[E]], None]
    ) -> tuple[list[E], StoreError | None]:
        """Store ``events`` and answer the gateway for each stored or parked; (the events to
        try again at the next flush, the error that kept them). A row the database refuses
        is parked, never retried: it would hold every reply behind it for ever."""
        if not events:
            return [], None
        written = await asyncio.to_thread(isolate, write, events)
        self.counts[counter] += len(written.stored)
        self._observe(written.stored)
        kept, trouble = written.unwritten, written.trouble
        if written.refused:
            refused = [event for event, _ in written.refused]
            try:
                await self._park(written.refused)
            except StoreError as exc:
                kept, trouble = kept + refused, trouble or exc
            else:
                _ack(refused)
        _ack(written.stored)
        return kept, trouble

    def _observe(self, stored: Sequence[DeliveryReport | MoMessage | MoPart]) -> None:
        for event in stored:
            if isinstance(event, DeliveryReport):
                operator = numbering.operator_of(event.phone) if event.phone else "unknown"
                self.metrics.report(event.channel, operator, event.delivered)
            elif isinstance(event, MoMessage):  # a part counts once its reply is joined
                self.metrics.mo(event.channel)

    async def _park(self, refused: Sequence[tuple[E, StoreDataError]]) -> None:
        rows = [parking.parked(event, error) for event, error in refused]
        await asyncio.to_thread(self.store.park, self.worker, rows)
        self.counts["parked"] += len(rows)
        for (event, _), row in zip(refused, rows, strict=True):
            log.error("%s", parking.log_line(event, row))

    def _writes_went(self, trouble: StoreError | None) -> None:
        """Count a flush that must be retried; log an outage when it starts and when it ends,
        not at every flush (five times a second)."""
        if trouble is None:
            self._refusing.pop("flush", None)
            if self._failing_since is not None:
                log.info(
                    "writing reports/MO works again after %.1f s",
                    time.monotonic() - self._failing_since,
                )
                self._failing_since = None
            return
        self.counts["retried_flushes"] += 1
        self._refusing["flush"] = str(trouble)
        self.counts["deadlocks"] += isinstance(trouble, StoreDeadlock)
        if self._failing_since is None:
            self._failing_since = time.monotonic()
            log.error(
                "writing reports/MO failed, keeping them for the next flush (logged again "
                "once it works): %s",
                " ".join(str(trouble).split()),
            )

    def _mo(self, message: MoMessage) -> Mo:
        policy = self.policies.current
        stops = is_unsubscribe(message.content, policy.unsubscribe)
        return Mo(
            message.channel,
            message.phone,
            message.service_number,
            message.content,
            message.received_at,
            policy.profiles.owner(message.extension),
            self.policies.categories if stops else None,
            confirm=stops and self.policies.confirms,
            gateway_msg_id=message.gateway_msg_id,
        )

    # -- side tasks -----------------------------------------------------------

    async def _heartbeat(self) -> None:
        if self._held:
            await asyncio.to_thread(
                self.store.extend_lease, self.worker, sorted(self._held), self.cfg.lease_seconds
            )

    async def _sync(self) -> None:
        await asyncio.to_thread(self.channels.sync, self.store, self.worker, time.monotonic())
        await asyncio.to_thread(self.policies.sync, self.store)
        await asyncio.to_thread(self._sync_accounts)

    def _sync_accounts(self) -> None:
        version = self.store.account_version()
        if version == self._accounts_version:
            return
        accounts = {}
        for row in self.store.accounts():
            try:
                accounts[row["account"]] = Account.of_row(row)
            except ValueError as exc:  # a DBA's bad row: that account is not applied
                log.error("billing account %s ignored: %s", row["account"], exc)
        self.accounts, self._accounts_version = accounts, version

    async def _roll_up(self) -> None:
        """Add final messages to sms_rollup until none are left (each step one transaction)."""
        owners, batch = self._owners(), self.billing.rollup_batch
        while not self._stop.is_set():
            done = await asyncio.to_thread(self.store.roll_up_step, batch, self.zone, owners.of)
            if done < batch:
                return

    async def _reclaim(self) -> None:
        back, failed = await asyncio.to_thread(
            self.store.reclaim, self.worker, self.cfg.max_attempts
        )
        if back or failed:
            self.metrics.reclaimed(back, failed)
            log.warning("reclaimed %d rows of dead workers, failed %d abandoned rows", back, failed)
            self._wake[BULK.name].set()

    async def _expire_reports(self) -> None:
        hours = self.cfg.report_timeout_hours
        gone = await asyncio.to_thread(self.store.expire_reports, self.worker, hours)
        if gone:
            log.warning("%d messages had no delivery report within %g hours: UNKNOWN", gone, hours)

    async def _guarded(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run a side job once; a database problem is logged, not raised."""
        try:
            await job()
        except StoreError as exc:
            log.error("%s failed: %s", job.__name__.strip("_"), exc)

    async def _purge(self) -> None:
        now = utcnow()
        before = now - timedelta(days=self.cfg.unmatched_report_days)
        gone = await asyncio.to_thread(self.store.purge_unmatched, before)
        if gone:
            log.info("deleted %d parked delivery reports received before %s", gone, before)
        before = now - timedelta(days=self.cfg.parked_days)
        gone = await asyncio.to_thread(self.store.purge_parked, before)
        if gone:
            log.info("deleted %d refused reports/replies received before %s", gone, before)
        await asyncio.to_thread(self.store.purge_duplicates, now)
        before = now - timedelta(days=self.cfg.mo_id_days)
        gone = await asyncio.to_thread(self.store.purge_mo_ids, before)
        if gone:
            log.info("forgot the gateway ids of %d replies received before %s", gone, before)
        before = now - timedelta(days=self.cfg.alarm_days)
        gone = await asyncio.to_thread(self.store.purge_alarms, before)
        if gone:
            log.info("deleted %d alarm events older than %s", gone, before)
        if self.shares is not None:
            await self.shares.purge()
        await self._history()

    async def _history(self) -> None:
        """Next months' partitions before they are needed, and the pushed events trimmed."""
        made = await asyncio.to_thread(self.store.create_partitions, self.history.partitions_ahead)
        if made:
            log.info("created partitions %s", ", ".join(made))
        before = utcnow() - timedelta(days=self.history.event_retention_days)
        gone = await asyncio.to_thread(self.store.trim_events, before, self.history.batch_rows)
        if gone:
            log.info("deleted %d pushed events older than %s", gone, before)

    async def _every(
        self,
        seconds: float,
        job: Callable[[], Awaitable[None]],
        wake: asyncio.Event | None = None,
    ) -> None:
        """Run ``job`` every ``seconds``, and at once whenever ``wake`` is set."""
        while True:
            if wake is None:
                await asyncio.sleep(seconds)
            else:
                await _wait(wake, seconds)
                await asyncio.sleep(GATHER_SECONDS)
                wake.clear()
            try:
                await job()
            except StoreError as exc:
                log.error("%s failed: %s", job.__name__.strip("_"), exc)
            except Exception:  # a bug in one side task must not stop the others
                log.exception("%s failed", job.__name__.strip("_"))

    def _start_listener(self) -> threading.Thread | None:
        if not self.store.announces_inserts:
            return None
        loop = asyncio.get_running_loop()
        thread = threading.Thread(
            target=self._listen, args=(loop,), name="hisms-listen", daemon=True
        )
        thread.start()
        return thread

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self._unlisten.is_set():
            priority = self.store.wait_for_work(LISTEN_SLICE_SECONDS)
            if priority is None:
                continue
            if priority <= URGENT.max_priority:
                loop.call_soon_threadsafe(self._wake[URGENT.name].set)
            loop.call_soon_threadsafe(self._wake[BULK.name].set)


def _statuses(batch: WriteBack) -> list[str]:
    """What each written-back message became: submitted, failed, rejected, expired, retry,
    or waiting (every channel of its group down: PENDING, its attempt given back)."""
    finals = [Status(f["status"]).name.lower() for f in batch.finals]
    tried = ["retry"] * len(batch.retries) + ["waiting"] * len(batch.waits)
    return ["submitted"] * len(batch.submitted) + finals + tried


def _ack(events: Sequence[DeliveryReport | MoMessage | MoPart]) -> None:
    """Stored: now the carrier may answer the gateway for them."""
    for event in events:
        if event.ack is not None:
            event.ack()


async def _wait(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
