"""The Aliyun carrier the engine creates with ``from_config(name, options)``: the HTTP
carrier around :class:`~hisms.carrier.aliyun.provider.AliyunProvider`."""

from __future__ import annotations

from typing import Any

from hisms.carrier.aliyun.provider import AliyunProvider, AliyunSettings
from hisms.carrier.base import CarrierError
from hisms.carrier.httpapi.carrier import HttpCarrier
from hisms.carrier.session.options import read


def from_config(name: str, options: dict[str, Any]) -> HttpCarrier:
    settings = read(AliyunSettings, name, options)
    try:
        provider = AliyunProvider(name, settings)
    except ValueError as exc:
        raise CarrierError(str(exc)) from None
    return HttpCarrier(name, settings, provider)
