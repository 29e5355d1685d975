"""The shared sans-IO connection state machine, driven by the CMPP codec."""

from __future__ import annotations

import pytest

from hisms.carrier.cmpp import pdus
from hisms.carrier.cmpp.codec import CmppCodec
from hisms.carrier.wire.connection import NEED_DATA, Connection, Role, State
from hisms.carrier.wire.errors import LocalProtocolError, RemoteProtocolError

CONNECT = pdus.Connect(1, "901234", b"\x00" * 16, pdus.V30, 0)


def pair() -> tuple[Connection[pdus.Pdu], Connection[pdus.Pdu]]:
    return (
        Connection(CmppCodec(pdus.V30), Role.CLIENT),
        Connection(CmppCodec(pdus.V30), Role.SERVER),
    )


def deliver(data: bytes, to: Connection[pdus.Pdu]) -> pdus.Pdu:
    to.receive_data(data)
    event = to.next_event()
    assert event is not NEED_DATA
    return event


def test_login_submit_logout() -> None:
    client, server = pair()
    assert deliver(client.send(CONNECT), server) == CONNECT
    assert client.state is State.BINDING and server.state is State.BINDING
    deliver(server.send(pdus.ConnectResp(1, 0, b"", pdus.V30)), client)
    assert client.state is State.BOUND and server.state is State.BOUND
    deliver(client.send(pdus.Submit(2, ("13800138000",), b"x")), server)
    deliver(server.send(pdus.SubmitResp(2, 1, 0)), client)
    deliver(client.send(pdus.Terminate(3)), server)
    assert client.state is State.CLOSING and server.state is State.CLOSING
    deliver(server.send(pdus.TerminateResp(3)), client)
    assert client.state is State.CLOSED and server.state is State.CLOSED


def test_refused_login_closes() -> None:
    client, server = pair()
    deliver(client.send(CONNECT), server)
    deliver(server.send(pdus.ConnectResp(1, 3, b"", pdus.V30)), client)
    assert client.state is State.CLOSED and server.state is State.CLOSED


def test_submit_before_login_is_refused_on_both_sides() -> None:
    client, server = pair()
    with pytest.raises(LocalProtocolError):
        client.send(pdus.Submit(1, ("1",), b""))
    server.receive_data(CmppCodec(pdus.V30).encode(pdus.Submit(1, ("1",), b"")))
    with pytest.raises(RemoteProtocolError):
        server.next_event()


def test_eof_inside_a_pdu_is_an_error_and_clean_eof_closes() -> None:
    client, server = pair()
    data = client.send(CONNECT)
    server.receive_data(data[:10])
    server.receive_data(b"")
    with pytest.raises(RemoteProtocolError):
        server.next_event()
    _, other = pair()
    other.receive_data(b"")
    assert other.next_event() is NEED_DATA and other.closed_by_peer
    assert other.state is State.CLOSED
