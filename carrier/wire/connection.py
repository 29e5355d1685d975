"""The sans-IO connection shared by every binary carrier protocol.

A :class:`Connection` owns no socket: the caller feeds it received bytes with
:meth:`receive_data`, pulls decoded PDUs with :meth:`next_event`, and turns PDUs
it wants to send into bytes with :meth:`send`. The session state machine
(login, bound, closing) is the same for CMPP, SGIP, SMGP and SMPP; a protocol
supplies a :class:`Codec` that frames its PDUs and says which are logins,
logouts and their responses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError
from hisms.carrier.wire.framing import FrameBuffer


class Role(enum.Enum):
    CLIENT = "client"  # the SP side: logs in and submits
    SERVER = "server"  # the gateway side: accepts the login


class State(enum.Enum):
    UNBOUND = "unbound"
    BINDING = "binding"  # login sent (client) or received (server), no answer yet
    BOUND = "bound"
    CLOSING = "closing"  # logout sent or received
    CLOSED = "closed"


class Kind(enum.Enum):
    LOGIN = "login"
    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    LOGOUT_RESP = "logout_resp"
    OTHER = "other"  # submits, delivers, keep-alives and their responses


class NeedData(enum.Enum):
    NEED_DATA = "need_data"


NEED_DATA = NeedData.NEED_DATA


P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Kinds:
    """A protocol's login and logout PDUs; its login answer succeeded when ``result`` is 0."""

    login: type
    login_answer: type
    result: str  # the login answer's status attribute
    logout: type
    logout_answer: type

    def __call__(self, pdu: object) -> Kind:
        if isinstance(pdu, self.login_answer):
            return Kind.LOGIN_OK if getattr(pdu, self.result) == 0 else Kind.LOGIN_FAILED
        if isinstance(pdu, self.login):
            return Kind.LOGIN
        if isinstance(pdu, self.logout):
            return Kind.LOGOUT
        if isinstance(pdu, self.logout_answer):
            return Kind.LOGOUT_RESP
        return Kind.OTHER


class Codec(Protocol[P]):
    """What a protocol plugs into :class:`Connection`."""

    min_length: int
    max_length: int

    def decode(self, frame: bytes) -> P: ...

    def encode(self, pdu: P) -> bytes: ...

    def kind(self, pdu: P) -> Kind:
        """A PDU's part in the session; ``Kind.OTHER`` must follow from its type alone."""
        ...


_TRANSITIONS: dict[tuple[State, Kind], State] = {
    (State.UNBOUND, Kind.LOGIN): State.BINDING,
    (State.BINDING, Kind.LOGIN_OK): State.BOUND,
    (State.BINDING, Kind.LOGIN_FAILED): State.CLOSED,
    (State.BOUND, Kind.OTHER): State.BOUND,
    (State.BOUND, Kind.LOGOUT): State.CLOSING,
    (State.CLOSING, Kind.OTHER): State.CLOSING,  # in-flight responses still drain
    (State.CLOSING, Kind.LOGOUT): State.CLOSING,  # both sides said goodbye at once
    (State.CLOSING, Kind.LOGOUT_RESP): State.CLOSED,
}


class Connection(Generic[P]):
    def __init__(self, codec: Codec[P], role: Role) -> None:
        self.codec = codec
        self.role = role
        self.state = State.UNBOUND
        self._frames = FrameBuffer(codec.min_length, codec.max_length)
        self._eof = False
        self._plain: set[type] = set()  # PDU types of kind OTHER: a bound session keeps them

    def receive_data(self, data: bytes) -> None:
        """Bytes from the peer; ``b""`` means the peer closed the stream."""
        if not data:
            self._eof = True
        self._frames.feed(data)

    def next_event(self) -> P | NeedData:
        """The next PDU the peer sent, or NEED_DATA.

        Raises RemoteProtocolError for garbage, a bad length, an unknown command
        or a PDU the state does not allow; the caller should drop the link.
        """
        frame = self._frames.next_frame()
        if frame is None:
            if self._eof and self._frames.pending:
                raise RemoteProtocolError(
                    f"connection closed inside a PDU ({self._frames.pending} bytes)"
                )
            if self._eof:
                self.state = State.CLOSED
            return NEED_DATA
        pdu = self.codec.decode(frame)
        self.state = self._advance(pdu, RemoteProtocolError)
        return pdu

    def send(self, pdu: P) -> bytes:
        """The bytes for ``pdu``; LocalProtocolError if the state forbids it."""
        data = self.codec.encode(pdu)
        self.state = self._advance(pdu, LocalProtocolError)
        return data

    @property
    def closed_by_peer(self) -> bool:
        return self._eof

    def _advance(self, pdu: P, error: type[Exception]) -> State:
        if self.state is State.BOUND and type(pdu) in self._plain:
            return State.BOUND  # every submit, report and answer: no lookup
        kind = self.codec.kind(pdu)
        if kind is Kind.OTHER:
            self._plain.add(type(pdu))
        new_state = _TRANSITIONS.get((self.state, kind))
        if new_state is None:
            raise error(f"{type(pdu).__name__} not allowed in state {self.state.value}")
        return new_state
