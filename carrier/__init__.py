"""Carriers: the channels from the engine to SMS gateways (CMPP, SGIP, SMGP, SMPP, loopback).

The engine needs only what this package exports: the interface and its events
(:mod:`.base`) and :func:`create` (:mod:`.registry`), which imports a protocol
only when a channel uses it.
"""

from hisms.carrier.base import (
    Carrier,
    CarrierError,
    CarrierEvent,
    ChannelState,
    DeliveryReport,
    EventSink,
    MoMessage,
    MoPart,
    Outcome,
    Submission,
    SubmitKey,
    SubmitResult,
)
from hisms.carrier.registry import PROTOCOLS, SIMULATORS, create

__all__ = [
    "PROTOCOLS",
    "SIMULATORS",
    "Carrier",
    "CarrierError",
    "CarrierEvent",
    "ChannelState",
    "DeliveryReport",
    "EventSink",
    "MoMessage",
    "MoPart",
    "Outcome",
    "Submission",
    "SubmitKey",
    "SubmitResult",
    "create",
]
