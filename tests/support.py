"""Helpers shared by tests of several folders."""

from __future__ import annotations

from hisms.carrier.base import CarrierEvent, EventSink


def storing(events: list[CarrierEvent]) -> EventSink:
    """A sink that keeps each event and acks it at once, as the engine does once stored
    (a carrier answers the gateway's report or MO only then)."""

    def sink(event: CarrierEvent) -> None:
        events.append(event)
        ack = getattr(event, "ack", None)
        if ack is not None:
            ack()

    return sink
