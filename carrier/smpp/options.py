"""Validating an SMPP channel's options into SmppOptions and SessionSettings.

Every problem is a :class:`CarrierError` naming the channel and the option
(the shared :class:`~hisms.carrier.session.settings.OptionChecker`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, TypeVar

from hisms.carrier.session.settings import (
    SESSION_OPTIONS,
    OptionChecker,
    SessionSettings,
    session_settings,
)


class BindMode(enum.Enum):
    TRANSCEIVER = "transceiver"  # one link both submits and receives
    PAIR = "transmitter+receiver"  # submits on transmitters, receipts/MO on receivers


class LongMode(enum.Enum):
    UDH = "udh"  # esm_class 0x40 and the UDH in short_message, one submit_sm per part
    SAR = "sar"  # sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs per part
    PAYLOAD = "payload"  # the whole text in one message_payload; the SMSC splits it


E = TypeVar("E", bound=enum.Enum)

DATA_CODINGS = (8, 0)  # 8: always UCS2; 0: default alphabet when the text allows, else 8

_KNOWN = {
    *SESSION_OPTIONS,
    *("system_id", "password", "system_type", "bind", "address_range", "service_type"),
    *("src_number", "source_addr_ton", "source_addr_npi", "dest_addr_ton", "dest_addr_npi"),
    *("data_coding", "long_messages"),
}


@dataclass(frozen=True, slots=True)
class SmppOptions:
    system_id: str
    password: str
    source_addr: str  # src_number, the service number; a submission's src_ext is appended
    system_type: str = ""
    bind: BindMode = BindMode.TRANSCEIVER
    address_range: str = ""
    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    dest_addr_ton: int = 1  # international: mainland numbers go out as 86...
    dest_addr_npi: int = 1  # E.164
    data_coding: int = 8
    long_messages: LongMode = LongMode.UDH

    def __repr__(self) -> str:  # never print the password
        return (
            f"SmppOptions(system_id={self.system_id!r}, bind={self.bind.value}, "
            f"source_addr={self.source_addr!r}, long_messages={self.long_messages.value})"
        )


def parse(name: str, options: dict[str, Any]) -> tuple[SmppOptions, SessionSettings]:
    check = OptionChecker(name, options)
    check.only(_KNOWN)
    smpp = SmppOptions(
        system_id=check.text("system_id", 15, required=True),
        password=check.text("password", 8, required=True),
        source_addr=check.text("src_number", 20, required=True),
        system_type=check.text("system_type", 12),
        bind=_choice(check, "bind", BindMode, BindMode.TRANSCEIVER),
        address_range=check.text("address_range", 40),
        service_type=check.text("service_type", 5),
        source_addr_ton=check.integer("source_addr_ton", 0, 0, 6),
        source_addr_npi=check.integer("source_addr_npi", 0, 0, 18),
        dest_addr_ton=check.integer("dest_addr_ton", 1, 0, 6),
        dest_addr_npi=check.integer("dest_addr_npi", 1, 0, 18),
        data_coding=check.integer("data_coding", 8, 0, 8),
        long_messages=_choice(check, "long_messages", LongMode, LongMode.UDH),
    )
    if smpp.data_coding not in DATA_CODINGS:
        raise check.error("data_coding", "must be 8 (UCS2) or 0 (default alphabet when possible)")
    return smpp, session_settings(check)


def _choice(check: OptionChecker, key: str, kind: type[E], default: E) -> E:
    value = check.options.get(key, default.value)
    try:
        return kind(str(value).lower())
    except ValueError:
        allowed = " or ".join(repr(m.value) for m in kind)
        raise check.error(key, f"must be {allowed}") from None
