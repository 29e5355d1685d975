"""China Unicom SGIP 1.2, sans-IO.

:mod:`.pdus` (one dataclass per PDU, ``Report.stat``), :mod:`.codec`
(``SgipCodec`` for :class:`hisms.carrier.wire.connection.Connection`),
:mod:`.msgid` (the 12-byte sequence: the message key, its string form and
generator), :mod:`.status` (result codes), :mod:`.inbound` (REPORT and
DELIVER as events).
"""
