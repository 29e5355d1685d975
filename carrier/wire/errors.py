"""Protocol errors shared by every carrier codec.

As in h11, who broke the protocol matters: a :class:`RemoteProtocolError` means
the peer sent something we cannot accept (drop or answer with an error), a
:class:`LocalProtocolError` means our own code tried something illegal (a bug).
"""


class ProtocolError(Exception):
    """Base of all codec and state-machine errors."""


class RemoteProtocolError(ProtocolError):
    """The peer sent bytes or a PDU sequence that violate the protocol."""


class LocalProtocolError(ProtocolError):
    """We attempted to send something the protocol or the state forbids."""
