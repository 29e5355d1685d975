"""The protocol-neutral wire kit every carrier protocol builds on (no I/O).

:mod:`.connection` (the sans-IO connection and its login/logout state machine),
:mod:`.framing` (length-prefixed frames), :mod:`.errors` (remote vs local
protocol errors), :mod:`.fields`, :mod:`.layout` and :mod:`.codec` (fixed-field
PDU layouts and the codec built on them), :mod:`.tlv` (optional parameters),
:mod:`.udh` (concatenation headers), :mod:`.text` (message encodings),
:mod:`.inbound` (delivery reports, and long MO messages joined from parts),
:mod:`.numbers` (the +86 rule and log masking), :mod:`.times` (gateway report
times and login stamps).
"""
