"""Each enabled channel's gateway: reachable over TCP, and for the binary protocols our login
accepted (nothing is sent)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hisms.carrier import registry
from hisms.carrier.base import Carrier, CarrierError, CarrierEvent, ChannelState
from hisms.carrier.session.carrier import SessionCarrier
from hisms.engine.config import ChannelConfig
from hisms.engine.doctor.findings import Finding, Verdict, failed, passed

# One link, and for SGIP no listener of ours on the configured port: an engine running on
# this host keeps it.
_PROBE: dict[str, Any] = {"connections": 1}
_PROBE_BY_PROTOCOL: dict[str, dict[str, Any]] = {"sgip": {"listen_port": 0}}
_OPTIONS_FIX = "fix the channel's options (docs/carrier-options.md)"


async def channel(config: ChannelConfig, timeout: float, login: bool) -> list[Finding]:
    check = f"channel {config.name}"
    try:  # the options as the engine reads them (a loopback or HTTP carrier has no links)
        carrier = registry.create(config.protocol, config.name, config.options())
    except CarrierError as exc:
        return [failed(check, str(exc), _OPTIONS_FIX)]
    address = carrier.address()
    if address is None:
        return [Finding(check, Verdict.SKIP, f"{config.protocol}: no gateway to reach")]
    reach = await _connect(check, *address, timeout)
    # An HTTP API has no login to try without sending: its key is checked by the first request.
    if reach.verdict is not Verdict.PASS or not login or not isinstance(carrier, SessionCarrier):
        return [reach]
    probe = {**config.options(), **_PROBE, **_PROBE_BY_PROTOCOL.get(config.protocol.lower(), {})}
    return [
        reach,
        await _login(config, registry.create(config.protocol, config.name, probe), timeout),
    ]


async def _connect(check: str, host: str, port: int, timeout: float) -> Finding:
    try:
        async with asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        return failed(
            check,
            f"{host}:{port} unreachable ({why})",
            "check the address, the firewall and the line to the gateway (telnet HOST PORT)",
        )
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return passed(check, f"{host}:{port} reachable")


async def _login(config: ChannelConfig, carrier: Carrier, timeout: float) -> Finding:
    check = f"login {config.name}"
    states: asyncio.Queue[ChannelState] = asyncio.Queue()

    def on_event(event: CarrierEvent) -> None:
        # Reports and replies are left unanswered: the gateway sends them again to the engine.
        if isinstance(event, ChannelState):
            states.put_nowait(event)

    try:
        await carrier.start(on_event)
        async with asyncio.timeout(timeout):
            state = await states.get()
    except TimeoutError:
        return failed(check, f"no answer to the login in {timeout:g} s", "check the account")
    except CarrierError as exc:
        return failed(check, str(exc), _OPTIONS_FIX)
    finally:
        await carrier.stop()
    if not state.up:
        return failed(
            check,
            state.detail,
            "check the account, password and source address with the operator "
            "(HISMS_CHANNELS__NAME__PASSWORD)",
        )
    return passed(check, f"{config.protocol} login accepted ({state.detail or 'link up'})")
