"""Reaching the engineer: an SMS straight through a channel, and email over SMTP.

The SMS does not go through the outbox: it is submitted to a carrier directly, so it
still goes out when the database is down, and through a channel other than the one
that failed (``Condition.avoid``), the channels that are up first. Its delivery
report matches no outbox row; it waits in ``sms_report_unmatched`` until purged.
Each send answers with one line per recipient saying how it went, for ``sms_alarm``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage

from hisms.carrier.base import Carrier, Outcome, Submission, SubmitKey
from hisms.carrier.wire.numbers import mask
from hisms.engine import segment
from hisms.engine.phone import InvalidPhone, normalise
from hisms.monitoring.settings import AlarmConfig, SmtpConfig

log = logging.getLogger(__name__)
_SENDS = itertools.count(1)  # the "attempt" of an alarm SMS's keys: unique per send


class SmsNotifier:
    def __init__(
        self,
        cfg: AlarmConfig,
        carriers: Mapping[str, Carrier],
        takes_traffic: Callable[[str], bool],
        timeout: float = 30.0,
    ) -> None:
        self.cfg = cfg
        self._carriers = carriers
        self._takes_traffic = takes_traffic
        self._timeout = timeout

    def channels(self, avoid: Sequence[str]) -> list[str]:
        """Where to try, in order: the configured preference (else every channel), those
        taking traffic first, never a channel in ``avoid``."""
        names = [n for n in self.cfg.sms_channels or self._carriers if n in self._carriers]
        allowed = [n for n in names if n not in avoid]
        return sorted(allowed, key=lambda n: not self._takes_traffic(n))

    async def send(self, text: str, avoid: Sequence[str] = ()) -> list[str]:
        order = self.channels(avoid)
        return [await self._one(number, text, order) for number in self.cfg.sms_to]

    async def _one(self, number: str, text: str, order: Sequence[str]) -> str:
        try:
            phone = normalise(number)
        except InvalidPhone as exc:
            return f"sms {mask(number)}: not sent, {exc.text}"
        why = "no channel to send through"
        for channel in order:
            parts = _parts(phone, self.cfg.sms_signature + text)
            try:
                # asyncio.timeout: Python 3.11's wait_for can swallow the caller's cancel.
                async with asyncio.timeout(self._timeout):
                    results = await self._carriers[channel].submit(parts)
            except Exception as exc:  # the next channel may do
                why = f"{channel}: {type(exc).__name__} {exc}"
                continue
            refused = [r for r in results if r.outcome is not Outcome.ACCEPTED]
            if not refused:
                return f"sms {mask(phone)} via {channel}: accepted"
            why = f"{channel}: {refused[0].outcome.value} {refused[0].error_text or ''}".strip()
        return f"sms {mask(phone)}: FAILED ({why})"


def _parts(phone: str, text: str) -> list[Submission]:
    send = next(_SENDS)
    return [
        Submission(
            key=SubmitKey(0, part.seq, send),
            phone=phone,
            text=part.text,
            body=part.body,
            udh=part.udh,
            ref=send & 0xFF,
            total=part.total,
            priority=0,
        )
        for part in segment.split(text[:300], ref=send & 0xFF)
    ]


class Mailer:
    """Email over SMTP (stdlib smtplib): STARTTLS, SSL or plain, a login if configured."""

    def __init__(self, smtp: SmtpConfig) -> None:
        self.smtp = smtp

    def send(self, to: Sequence[str], subject: str, body: str) -> str:
        """Blocking: run it in a thread. One line saying how it went."""
        if not to or not self.smtp.host:
            return ""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = (
            self.smtp.sender,
            ", ".join(to),
            subject,
        )
        message.set_content(body)
        try:
            with self._connect() as server:
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("alarm email to %s failed: %s", ", ".join(to), exc)
            return f"email to {', '.join(to)}: FAILED ({type(exc).__name__} {exc})"
        return f"email to {', '.join(to)}: sent"

    def _connect(self) -> smtplib.SMTP:
        s = self.smtp
        tls = ssl.create_default_context(cafile=s.ca_file or None)
        if s.security == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_seconds, context=tls
            )
        else:
            server = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            if s.security == "starttls":
                server.starttls(context=tls)
        if s.username:
            try:
                server.login(s.username, s.password.get_secret_value())
            except BaseException:
                server.close()
                raise
        return server
