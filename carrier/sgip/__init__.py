"""China Unicom SGIP 1.2, sans-IO.

:mod:`.pdus` (one dataclass per PDU, ``Report.stat``), :mod:`.codec`
(``SgipCodec`` for :class:`hisms.carrier.connection.Connection`),
:mod:`.sequence` (the 12-byte message key, its string form and generator),
:mod:`.numbers` (the 86 prefix), :mod:`.wire` (body layouts, shared with SMGP).
"""
