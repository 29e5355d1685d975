"""The SMPP 3.4 carrier the engine creates with ``from_config(name, options)``.

Options (``[channels.NAME]`` in hisms.toml): host, port, system_id, password
(at most 8 characters; never logged), system_type, bind ("transceiver" or
"transmitter+receiver": ``connections`` transmitters for submits plus as many
receivers for receipts and MO), address_range, service_type, src_number (the
service number, sent as source_addr; a submission's ``src_ext`` is appended so
MO replies route back), source_addr_ton / source_addr_npi (0 / 0), dest_addr_ton /
dest_addr_npi (1 / 1: numbers go out as 86...; with TON 0 or 2 as dialled),
data_coding (8: UCS2 always; 0: the default alphabet for plain ASCII text),
long_messages ("udh": esm_class 0x40 + UDH per part, "sar": sar_* TLVs per
part, "payload": the whole text in one message_payload), and the shared
session options of the CMPP carrier: window (16), rate, connection_rate,
connections (1), heartbeat_seconds (60, the enquire_link interval),
dead_link_seconds, response_timeout_seconds, max_resend, max_throttles,
link_wait_seconds, reconnect_min/max_seconds, connect_timeout_seconds,
drain_seconds.

``carrier_msg_id`` is the SMSC's message_id exactly as submit_sm_resp gave it;
receipts are matched by receipted_message_id (else the ``id:`` of the text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from hisms.carrier.base import (
    Carrier,
    CarrierEvent,
    ChannelState,
    EventSink,
    Submission,
    SubmitKey,
    SubmitResult,
)
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.session.settings import SessionStats
from hisms.carrier.smpp.adapter import SmppAdapter
from hisms.carrier.smpp.options import BindMode, LongMode, SmppOptions, parse


class SmppCarrier(Carrier):
    def __init__(
        self,
        name: str,
        options: SmppOptions,
        session: ChannelSession,
        receivers: ChannelSession | None = None,
    ) -> None:
        super().__init__(name)
        self.options = options
        self.session = session  # submits (transceivers or transmitters)
        self.receivers = receivers  # receipts and MO in a transmitter+receiver channel

    @property
    def stats(self) -> SessionStats:
        return self.session.stats

    async def start(self, on_event: EventSink) -> None:
        await self.session.start(on_event)
        if self.receivers is not None:
            await self.receivers.start(_labelled(on_event, "receiver"))

    async def submit(self, batch: Sequence[Submission]) -> list[SubmitResult]:
        if self.options.long_messages is not LongMode.PAYLOAD:
            return await self.session.submit(batch)
        merged, members = _merge_parts(batch)
        answers = {r.key: r for r in await self.session.submit(merged)}
        # Every part of a message shares its submit's result and message id.
        return [dataclasses.replace(answers[members[s.key]], key=s.key) for s in batch]

    async def stop(self) -> None:
        await self.session.stop()
        if self.receivers is not None:
            await self.receivers.stop()


def from_config(name: str, options: dict[str, Any]) -> SmppCarrier:
    smpp, settings = parse(name, options)
    if smpp.bind is BindMode.TRANSCEIVER:
        return SmppCarrier(name, smpp, ChannelSession(name, SmppAdapter(name, smpp), settings))
    transmitters = ChannelSession(name, SmppAdapter(name, smpp, "transmitter"), settings)
    receivers = ChannelSession(name, SmppAdapter(name, smpp, "receiver"), settings)
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
