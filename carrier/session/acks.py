"""Answering a gateway's report or MO only once the engine has stored it.

A gateway keeps what we have not answered and sends it again, on another
connection or after a reconnect; what we answered it forgets. So the answer
waits for the events the request carried to be stored: a crash before that
costs a re-sent report, never a lost one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from hisms.carrier.base import CarrierEvent, DeliveryReport, MoMessage, MoPart


def answer_when_stored(
    events: Sequence[CarrierEvent], answer: Callable[[], None]
) -> list[CarrierEvent]:
    """``events``, each with an ack; ``answer`` runs once every one has been acked."""
    waiting = set(range(len(events)))

    def acker(n: int) -> Callable[[], None]:
        def ack() -> None:
            if n in waiting:  # acking twice counts once
                waiting.discard(n)
                if not waiting:
                    answer()

        return ack

    acked: list[CarrierEvent] = []
    for n, event in enumerate(events):
        assert isinstance(event, DeliveryReport | MoMessage | MoPart), event
        acked.append(dataclasses.replace(event, ack=acker(n)))
    return acked
