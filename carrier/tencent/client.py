"""The Tencent carrier the engine creates with ``from_config(name, options)``: the HTTP
carrier around :class:`~hisms.carrier.tencent.provider.TencentProvider`."""

from __future__ import annotations

from typing import Any

from hisms.carrier.base import CarrierError
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.session.options import read
from hisms.carrier.tencent.provider import TencentProvider, TencentSettings


def from_config(name: str, options: dict[str, Any]) -> HttpCarrier:
    settings = read(TencentSettings, name, options)
    try:
        provider = TencentProvider(name, settings)
    except ValueError as exc:
        raise CarrierError(str(exc)) from None
    return HttpCarrier(name, settings, provider)
