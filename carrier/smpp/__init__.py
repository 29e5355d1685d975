"""SMPP 3.4, sans-IO: ``pdus`` (dataclasses), ``tlv`` (optional parameters),
``codec`` (bytes <-> PDUs and the Connection codec), ``message`` (text and long
messages) and ``receipt`` (delivery receipts)."""
