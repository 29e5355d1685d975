"""The SMPP 3.4 carrier the engine creates with ``from_config(name, options)``.

Options: :class:`~hisms.carrier.smpp.options.SmppOptions` (the table is in
``docs/carrier-options.md``); a transmitter+receiver channel runs a second
session of receivers beside the submitting one.

``carrier_msg_id`` is the SMSC's message_id exactly as submit_sm_resp gave it
(or, with ``receipt_ids`` hex->decimal or decimal->hex, the number it names in
decimal); receipts are matched by receipted_message_id (else the ``id:`` of the
text), read the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from hisms.carrier.base import (
    CarrierEvent,
    ChannelState,
    EventSink,
    Submission,
    SubmitKey,
    SubmitResult,
)
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.smpp import message
from hisms.carrier.smpp.adapter import SmppAdapter
from hisms.carrier.smpp.options import BindMode, LongMode, SmppOptions, parse
from hisms.carrier.wire.text import UCS2


class SmppCarrier(SessionCarrier):
    def __init__(
        self,
        name: str,
        options: SmppOptions,
        session: ChannelSession,
        receivers: ChannelSession | None = None,
    ) -> None:
        super().__init__(name, session)  # submits (transceivers or transmitters)
        self.options = options
        self.receivers = receivers  # receipts and MO in a transmitter+receiver channel

    def coding(self, text: str) -> int:
        """With data_coding 0, the default alphabet for a message it can hold; else UCS2."""
        return message.choose_coding(text) if self.options.data_coding == 0 else UCS2

    async def start(self, on_event: EventSink) -> None:
        await super().start(on_event)
        if self.receivers is not None:
            await self.receivers.start(_labelled(on_event, "receiver"))

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        if self.options.long_messages is not LongMode.PAYLOAD:
            return await super().submit(batch)
        merged, members = _merge_parts(batch)
        answers = {r.key: r for r in await self.session.submit(merged)}
        # Every part of a message shares its submit's result and message id.
        return [dataclasses.replace(answers[members[s.key]], key=s.key) for s in batch]

    async def stop(self) -> None:
        await super().stop()
        if self.receivers is not None:
            await self.receivers.stop()


def from_config(name: str, options: dict[str, Any]) -> SmppCarrier:
    smpp = parse(name, options)
    if smpp.bind is BindMode.TRANSCEIVER:
        return SmppCarrier(name, smpp, ChannelSession(name, SmppAdapter(name, smpp), smpp))
    transmitters = ChannelSession(name, SmppAdapter(name, smpp, "transmitter"), smpp)
    receivers = ChannelSession(name, SmppAdapter(name, smpp, "receiver"), smpp)
    return SmppCarrier(name, smpp, transmitters, receivers)


def _merge_parts(
    batch: Sequence[Submission],
) -> tuple[list[Submission], dict[SubmitKey, SubmitKey]]:
    """One submission per message (the parts' bodies joined, no UDH), and for every
    part the key of the submission that carries it."""
    merged: dict[tuple[int, int], Submission] = {}
    members: dict[SubmitKey, SubmitKey] = {}
    for part in batch:
        message = (part.key.outbox_id, part.key.attempt)
        first = merged.get(message)
        if first is None:
            merged[message] = first = dataclasses.replace(part, udh=b"", total=1)
        else:
            merged[message] = first = dataclasses.replace(
                first, text=first.text + part.text, body=first.body + part.body
            )
        members[part.key] = first.key
    return list(merged.values()), members


def _labelled(sink: EventSink, role: str) -> EventSink:
    """The receivers' channel states say they are about the receivers."""

    def forward(event: CarrierEvent) -> None:
        if isinstance(event, ChannelState):
            event = dataclasses.replace(event, detail=f"{role}s: {event.detail}")
        sink(event)

    return forward
