"""The socket intake: CMPP and SMPP servers for hospital systems that speak them.

A hospital system that already speaks CMPP (as an SP) or SMPP (as an ESME) connects to
hisms as if it were the operator's gateway; its submits become ``sms_outbox`` rows and
its reports and MO come back over its link. See docs/integration.md#socket-intake.
"""
