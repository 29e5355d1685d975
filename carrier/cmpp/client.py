"""The CMPP carrier the engine creates with ``from_config(name, options)``.

Options: :class:`~hisms.carrier.cmpp.options.CmppOptions` (the table is in
``docs/carrier-options.md``). Message ids (``carrier_msg_id``) are the
Msg_Id's 16 lower-case hex digits, in SUBMIT_RESP results and in delivery
reports alike (see :mod:`.msgid`).
"""

from __future__ import annotations

from typing import Any

from hisms.carrier.cmpp.adapter import CmppAdapter
from hisms.carrier.cmpp.options import parse
from hisms.carrier.session.carrier import SessionCarrier
from hisms.carrier.session.channel import ChannelSession


def from_config(name: str, options: dict[str, Any]) -> SessionCarrier:
    cmpp = parse(name, options)
    return SessionCarrier(name, ChannelSession(name, CmppAdapter(name, cmpp), cmpp))
