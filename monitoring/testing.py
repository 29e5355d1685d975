"""``hisms alarm test``: a test notification through the real channels and SMTP server.

The channels are started here (the engine need not run), the SMS goes out as an
alarm's would, through the first channel that logs in, and the event is recorded in
``sms_alarm`` when the database answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from hisms.carrier.base import CarrierEvent, ChannelState, utcnow
from hisms.engine import app
from hisms.engine.config import Settings
from hisms.engine.store.base import AlarmEvent, StoreError
from hisms.monitoring.notify import Mailer, SmsNotifier

log = logging.getLogger(__name__)


async def send_test(settings: Settings, wait: float) -> list[str]:
    """Send the test SMS and email; one line per notification saying how it went."""
    cfg = settings.alarms
    worker = settings.engine.resolved_worker_id()
    text = f"hisms TEST alarm from {worker}: notifications work"
    results = await _sms(settings, text, wait) if cfg.sms_to else []
    mailed = await asyncio.to_thread(Mailer(cfg.smtp).send, cfg.email_to, text, text + "\n")
    results += [mailed] if mailed else []
    if results:
        _record(
            settings, AlarmEvent(utcnow(), worker, "test", "", "TEST", text, "; ".join(results))
        )
    return results


async def _sms(settings: Settings, text: str, wait: float) -> list[str]:
    carriers = app.carriers_for(settings)
    states: dict[str, ChannelState] = {}

    def sink(event: CarrierEvent) -> None:
        if isinstance(event, ChannelState):
            states[event.channel] = event

    for carrier in carriers.values():
        await carrier.start(sink)
    try:
        deadline = time.monotonic() + wait
        while not any(s.up for s in states.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        takes = lambda name: name in states and states[name].up  # noqa: E731
        return await SmsNotifier(settings.alarms, carriers, takes).send(text)
    finally:
        for carrier in carriers.values():
            await carrier.stop()


def _record(settings: Settings, event: AlarmEvent) -> None:
    try:
        with contextlib.closing(app.store_for(settings)) as store:
            store.record_alarms([event])
    except StoreError as exc:
        log.warning("the test was not recorded in sms_alarm: %s", exc)
