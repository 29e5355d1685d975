"""The SMGP 3.0 carrier the engine creates with ``from_config(name, options)``.

Options: :class:`~hisms.carrier.smgp.options.SmgpOptions` (the table is in
``docs/carrier-options.md``). Message ids (``carrier_msg_id``) are the MsgID's
20 lower-case hex digits, in SUBMIT_RESP results and in delivery reports alike
(see :mod:`.msgid`). Status 1 (system busy) is flow control: the link slows
down and resubmits.
"""

from __future__ import annotations

from typing import Any

from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.session.channel import ChannelSession
from hisms.carrier.smgp.adapter import SmgpAdapter
from hisms.carrier.smgp.options import parse


def from_config(name: str, options: dict[str, Any]) -> SessionCarrier:
    smgp = parse(name, options)
    return SessionCarrier(name, ChannelSession(name, SmgpAdapter(name, smgp), smgp))
