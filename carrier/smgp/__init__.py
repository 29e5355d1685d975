"""China Telecom SMGP 3.0, sans-IO.

:mod:`.pdus` (one dataclass per PDU, the TLV tags), :mod:`.codec`
(``SmgpCodec`` for :class:`hisms.carrier.wire.connection.Connection`),
:mod:`.msgid` (MsgID string form and generator), :mod:`.report` (status report
text), :mod:`.auth` (LOGIN authenticators), :mod:`.status` (result codes),
:mod:`.inbound` (DELIVER as events).
"""
