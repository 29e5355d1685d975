"""Building a carrier from its channel configuration, importing protocols lazily.

Each protocol package exposes ``from_config(name: str, options: dict) -> Carrier``
in its ``client`` module (``loopback`` in ``carrier``), so a deployment that
only speaks CMPP never imports the SMPP code, and a new protocol is one line here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from hisms.carrier.base import Carrier, CarrierError

PROTOCOLS = {
    "loopback": "hisms.carrier.loopback.client",
    "cmpp": "hisms.carrier.cmpp.client",
    "sgip": "hisms.carrier.sgip.client",
    "smgp": "hisms.carrier.smgp.client",
    "smpp": "hisms.carrier.smpp.client",
    "http": "hisms.carrier.aggregator.client",
    "aliyun": "hisms.carrier.aliyun.client",
    "tencent": "hisms.carrier.tencent.client",
}

# Gateway simulators for ``hisms simulate PROTOCOL``: a module with a click command ``cli``.
SIMULATORS = {
    "cmpp": "hisms.carrier.cmpp.simulator",
    "sgip": "hisms.carrier.sgip.simulator",
    "smgp": "hisms.carrier.smgp.simulator",
    "smpp": "hisms.carrier.smpp.simulator",
    "http": "hisms.carrier.aggregator.simulator",
    "aliyun": "hisms.carrier.aliyun.simulator",
    "tencent": "hisms.carrier.tencent.simulator",
}


def create(protocol: str, name: str, options: dict[str, Any]) -> Carrier:
    """A configured, not yet started carrier for channel ``name``."""
    module_name = PROTOCOLS.get(protocol.lower())
    if module_name is None:
        raise CarrierError(
            f"channel {name!r}: unknown protocol {protocol!r} (known: {', '.join(PROTOCOLS)})"
        )
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        raise CarrierError(
            f"channel {name!r}: protocol {protocol!r} is not available: {exc}"
        ) from exc
    carrier: Carrier = module.from_config(name, options)
    return carrier
