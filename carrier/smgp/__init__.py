"""China Telecom SMGP 3.0, sans-IO.

:mod:`.pdus` (one dataclass per PDU), :mod:`.codec` (``SmgpCodec`` for
:class:`hisms.carrier.connection.Connection`), :mod:`.tlv` (optional
parameters), :mod:`.msgid` (MsgID string form and generator), :mod:`.report`
(status report text), :mod:`.auth` (LOGIN authenticators).
"""
