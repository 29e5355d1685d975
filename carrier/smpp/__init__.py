"""SMPP 3.4, sans-IO: ``pdus`` (dataclasses, TLV tags), ``codec`` (bytes <-> PDUs
and the Connection codec), ``message`` (text and long messages), ``report``
(delivery receipts), ``status`` (command_status texts) and ``inbound``
(deliver_sm as events)."""
