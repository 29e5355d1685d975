"""The alarm loop in ``hisms run``: evaluate the rules, notify, journal, send the summary.

Every ``every_seconds`` the rules' thresholds are read again when ``sms_alarm_rule``
changed (:class:`Book`), the engine's tallies are sampled (:class:`History`), a
:class:`View` is taken of the channels, the database probe and the backlog, the rules
run and the :class:`Tracker` says what was raised, repeated or cleared. Each event
is notified (SMS through another channel, email), logged with ``ALARM`` and journaled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hisms.carrier.base import utcnow
from hisms.engine.config import Settings
from hisms.engine.store.base import AlarmEvent, StoreError
from hisms.engine.worker import Engine
from hisms.monitoring import standings, summary
from hisms.monitoring.alarms import Event, Tracker
from hisms.monitoring.health import Health
from hisms.monitoring.journal import Journal
from hisms.monitoring.notify import Mailer, SmsNotifier
from hisms.monitoring.rulebook import Book
from hisms.monitoring.rules import Condition, History, View, evaluate

log = logging.getLogger(__name__)
_WORDS = {Event.RAISED: "ALARM", Event.REPEATED: "ALARM (still)", Event.CLEARED: "RECOVERED"}


class Alarming:
    def __init__(self, settings: Settings, engine: Engine, health: Health) -> None:
        self.cfg = settings.alarms
        self.engine = engine
        self.health = health
        self.zone = ZoneInfo(settings.timezone)
        self.tracker = Tracker(self.cfg.repeat_seconds, self.cfg.clear_after_seconds)
        self.book = Book(self.cfg)
        self._book_version: str | None = None
        self.history = History(self.book.keep_seconds())
        self.sms = SmsNotifier(
            self.cfg, engine.carriers, lambda name: engine.channels.standing(name).takes_new
        )
        self.mailer = Mailer(self.cfg.smtp)
        self.journal = Journal(health.store, self.cfg.buffer_events)
        self._summarised: str = ""  # the local day whose summary went out

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.cfg.every_seconds)
                try:
                    await self.round()
                except Exception:  # a bug here must not stop the alarms for good
                    log.exception("alarm round failed")
        finally:
            await self.journal.drain()

    async def round(self) -> None:
        await self._read_rules()
        now = time.monotonic()
        self.history.add(now, self.engine.metrics.totals())
        holding = evaluate(self.view(now), self.book.configs)
        for event, condition in self.tracker.update(holding, now):
            await self.announce(event, condition)
        self.journal.kick()
        await self._summary_if_due()

    async def _read_rules(self) -> None:
        """The rules' thresholds from sms_alarm_rule when they changed (kept while the
        database is unreachable)."""
        if not self.health.database_up:
            return
        store = self.health.store
        try:
            version = await asyncio.to_thread(store.alarm_rule_version)
            if version == self._book_version:
                return
            rows = await asyncio.to_thread(store.alarm_rules)
        except StoreError as exc:
            log.warning("alarm rules not read: %s", exc)
            return
        self.book, self._book_version = Book(self.cfg, rows), version
        self.tracker.repeats = self.book.repeats
        self.history.keep = self.book.keep_seconds()
        log.info("alarm rules: %d rows from the database", len(rows))

    def view(self, now: float) -> View:
        h = self.health
        views = standings.read(self.engine.channels)
        table = self.engine.channels.router.table
        return View(
            now=now,
            channels=views,
            serving=lambda operator: standings.serving(table, operator, views),
            traffic=self.engine.metrics.traffic,
            history=self.history,
            database_up=h.database_up,
            database_down_for=now - h.database_changed_at,
            database_error=h.database_error,
            pending=h.pending,
        )

    async def announce(self, event: Event, condition: Condition) -> None:
        text = f"hisms {_WORDS[event]} {condition.alarm}: {condition.text}"
        if event is Event.CLEARED:
            text = f"hisms {_WORDS[event]} {condition.alarm} {condition.subject}".rstrip()
        log.log(logging.INFO if event is Event.CLEARED else logging.ERROR, "%s", text)
        results = await self.sms.send(text, condition.avoid)
        subject = text if len(text) < 120 else text[:117] + "..."
        body = f"{text}\n\nengine {self.engine.worker}, {utcnow().isoformat()}\n"
        results.append(await asyncio.to_thread(self.mailer.send, self.cfg.email_to, subject, body))
        notified = "; ".join(r for r in results if r)
        log.info("alarm %s %s notified: %s", condition.alarm, event.value, notified or "nobody")
        self.record(condition.alarm, condition.subject, event.value, text, notified)

    def record(self, alarm: str, subject: str, event: str, text: str, notified: str) -> None:
        worker = self.engine.worker
        self.journal.add(AlarmEvent(utcnow(), worker, alarm, subject, event, text, notified))

    async def _summary_if_due(self) -> None:
        """Yesterday's summary once a day at ``summary_at`` (local), by one engine."""
        local = datetime.now(self.zone)
        today = local.date().isoformat()
        if not self.cfg.summary_to or self._summarised == today:
            return
        if local.strftime("%H:%M") < self.cfg.summary_at or not self.health.database_up:
            return
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        store = self.health.store
        try:
            sent = await asyncio.to_thread(store.recent_alarms, midnight, 1000)
            if any(a["event"] == "SUMMARY" for a in sent):
                self._summarised = today  # another engine sent it
                return
            day = midnight - timedelta(days=1)
            totals = await asyncio.to_thread(store.day_totals, day.date())
            alarms = await asyncio.to_thread(store.recent_alarms, day, 1000)
        except StoreError as exc:
            log.warning("daily summary postponed: %s", exc)
            return
        alarms = [a for a in alarms if a["event"] not in ("SUMMARY",) and _before(a, midnight)]
        body = summary.compose(day.date(), totals, alarms)
        title = f"hisms daily summary {day.date().isoformat()}"
        result = await asyncio.to_thread(self.mailer.send, self.cfg.summary_to, title, body)
        self._summarised = today
        self.record("summary", "", "SUMMARY", title, result)


def _before(alarm: dict[str, object], midnight: datetime) -> bool:
    at = alarm["event_at"]
    if not isinstance(at, datetime):
        at = datetime.fromisoformat(str(at))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)) < midnight  # naive = UTC, as stored
