"""SMPP receipts whose id is the decimal form of submit_sm_resp's hex message_id (issue 12).

Many SMSCs answer submit_sm with a hex id and write the receipt's id in decimal: against
such an SMSC every receipt matched nothing (240 of 240 parked). With ``receipt_ids =
"hex->decimal"``, as Kannel's ``msg-id-type`` and Jasmin's ``dlr_msg_id_bases``, both sides
are read as the number they name and kept in decimal.
"""

from __future__ import annotations

import asyncio

from hisms.carrier.base import DeliveryReport, Outcome
from hisms.carrier.simulator import SimConfig

from .conftest import parts, wait_for
from .test_smpp_traffic import PASSWORD, SYSTEM_ID, smpp_carrier, smsc

COUNT = 20


def _ids(receipt_ids: str | None) -> tuple[set[str], set[str]]:
    """(ids of the submits, ids of their receipts) against an SMSC writing decimal receipts."""
    options = {} if receipt_ids is None else {"receipt_ids": receipt_ids}

    async def scenario() -> tuple[set[str], set[str]]:
        config = SimConfig(SYSTEM_ID, PASSWORD, report_delay=0.01, mo_rules=())
        async with (
            smsc(config, decimal_receipts=True) as sim,
            smpp_carrier(sim.port, **options) as (channel, events),
        ):
            results = await channel.submit(parts(COUNT))
            assert {r.outcome for r in results} == {Outcome.ACCEPTED}
            await wait_for(lambda: len(events.of(DeliveryReport)) == COUNT)
            submitted = {r.carrier_msg_id or "" for r in results}
            return submitted, {r.carrier_msg_id for r in events.of(DeliveryReport)}

    return asyncio.run(scenario())


def test_decimal_receipts_match_hex_submit_ids_when_told() -> None:
    submitted, receipted = _ids("hex->decimal")
    assert len(submitted) == COUNT and receipted == submitted
    assert all(i.isdigit() for i in submitted)  # stored as the decimal number


def test_as_is_by_default_so_such_receipts_do_not_match() -> None:
    submitted, receipted = _ids(None)
    assert len(submitted) == COUNT and not receipted & submitted
