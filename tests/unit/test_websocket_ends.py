"""The WebSocket transport's limits and ends: frames too large, not JSON or binary, protocol
faults, queue overflow, in-band closes, full sessions."""


import tracemalloc

import pytest
from twisted.web.server import Site

from livefragments import LiveSite, PageState, Settings
from livefragments._json import dumps
from livefragments._websocket import PageWebSocket
from tests.support.memoryws import clientFrame
from tests.support.pages import Harness, RawPage, call
from tests.unit.test_websocket import connect, envelopes, refusal

# -- limits and ends -----------------------------------------------------------------------


@pytest.mark.parametrize("siteClass", [LiveSite, Site])
def test_a_frame_over_the_size_limit_closes_the_page_with_message_too_large(siteClass):
    """In a LiveSite, and once the message is whole in any other Site."""
    h = Harness(Settings(maxMessageBytes=1000), siteClass=siteClass)
    raw = RawPage(h)
    other = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.send([-1, [call(0, 0, "record", "x" * 2000)]])
    status, error = refusal(socket)
    assert (status, error["type"], error["reload"]) == (413, "MessageTooLarge", True)
    assert "limit of 1000 bytes" in error["message"]
    assert socket.closeCode == 4413
    assert raw.page.state is PageState.GONE
    assert raw.page.counter.log == []
    assert raw.page.counter.lostWith.type == "MessageTooLarge"
    assert other.page.isLive


def test_an_oversized_message_is_refused_while_it_arrives_not_after():
    """A message sent in fragments is refused (413, page closed) by the fragment that takes it
    past the limit, before its last fragment; what follows is dropped, not gathered."""
    h = Harness(Settings(maxMessageBytes=1000))
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.channel.dataReceived(clientFrame(b"[-1,[" + b"x" * 600, fin=False))
    socket.channel.dataReceived(clientFrame(b"y" * 300, opcode=0x0, fin=False))
    assert socket.closeCode is None and raw.page.isLive, "905 bytes are within the limit"
    socket.channel.dataReceived(clientFrame(b"z" * 300, opcode=0x0, fin=False))
    status, error = refusal(socket)
    assert (status, error["type"]) == (413, "MessageTooLarge")
    assert socket.closeCode == 4413
    assert raw.page.state is PageState.GONE
    tracemalloc.start()
    try:
        for _ in range(64):  # 4 MB more of the same message, then its end
            socket.channel.dataReceived(clientFrame(b"w" * 65536, opcode=0x0, fin=False))
        socket.channel.dataReceived(clientFrame(b"]]", opcode=0x0))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, f"{peak} bytes were held at once after the refusal"


def test_a_frame_announcing_too_much_is_refused_before_its_payload_arrives():
    """The frame header's length is enough: a client cannot make the server wait for (and
    buffer) a gigabyte."""
    h = Harness(Settings(maxMessageBytes=1000))
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.channel.dataReceived(clientFrame(b"[-1,[", length=2 ** 30))
    assert refusal(socket)[0] == 413
    assert socket.closeCode == 4413
    assert raw.page.state is PageState.GONE


def test_messages_up_to_the_limit_pass_whatever_their_framing():
    """Pings between fragments count for nothing; a message's end starts the count again."""
    h = Harness(Settings(maxMessageBytes=1000))
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    first = dumps([-1, [call(0, 0, "record", "a" * 900)]]).encode()
    second = dumps([-1, [call(1, 1, "record", "b" * 900)]]).encode()
    assert len(first) <= 1000 and len(second) <= 1000
    data = (clientFrame(first[:500], fin=False) + clientFrame(b"hi", opcode=0x9)
            + clientFrame(first[500:], opcode=0x0) + clientFrame(second))
    for i in range(0, len(data), 7):  # headers split between reads
        socket.channel.dataReceived(data[i:i + 7])
    h.settle()
    assert socket.closeCode is None
    assert raw.page.counter.log == ["a" * 900, "b" * 900]


def test_a_frame_that_is_not_json_closes_the_socket_but_not_the_page():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.sendText("[0, NaN]")
    status, error = refusal(socket)
    assert (status, error["type"], error["reload"]) == (400, "ProtocolError", False)
    assert socket.closeCode == 4400
    assert raw.page.isLive
    assert not isinstance(raw.page.transport, PageWebSocket)


def test_a_frame_nested_too_deeply_gets_a_close_frame_not_a_dropped_socket():
    """The fuzzer's ~1,000-deep envelope dropped the socket with no close frame."""
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.sendText("[0, [[0, [\"call\", [" + "[" * 1000 + "]" * 1000 + "]]]]]")
    status, error = refusal(socket)
    assert (status, error["type"]) == (400, "ProtocolError")
    assert "more than 64 deep" in error["message"]
    assert socket.closeCode == 4400
    assert raw.page.isLive


def test_a_binary_frame_is_refused():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.sendBytes(b"[-1, []]")
    assert refusal(socket)[0] == 400
    assert socket.closeCode == 4400


def test_an_envelope_that_breaks_the_protocol_closes_the_page():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.send([7, []])
    status, error = refusal(socket)
    assert (status, error["type"], error["reload"]) == (400, "ProtocolError", True)
    assert raw.page.state is PageState.GONE


def test_a_queue_overflow_is_told_out_of_band_with_4410():
    h = Harness(Settings(maxOutboundMessages=5))
    raw = RawPage(h)
    socket = connect(h, raw, answerPings=True)
    socket.take()
    for n in range(6):
        raw.page.counter.callRemote("show", n).addErrback(lambda f: None)
    h.clock.advance(0)
    status, error = refusal(socket)
    assert (status, error["type"], error["reload"]) == (410, "QueueOverflow", True)
    assert socket.closeCode == 4410
    assert raw.page.state is PageState.GONE


def test_an_in_band_close_is_delivered_and_its_ack_frees_the_page_and_closes_the_socket():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    raw.page.counter.callRemote("show", 1).addErrback(lambda f: None)
    raw.page.close()
    h.clock.advance(0)
    [[_, messages]] = envelopes(socket)
    assert [m[1][0] for m in messages] == ["call", "close"]
    assert raw.page.state is PageState.CLOSING
    socket.send([1, []])
    assert raw.page.state is PageState.GONE
    assert socket.closeCode == 1000


def test_the_oldest_page_of_a_full_session_is_told_it_closed():
    h = Harness(Settings(maxPagesPerSession=1))
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    raw.h.http.request(b"GET", "/demo/", {b"cookie": raw.cookie.encode()}, None)
    status, error = refusal(socket)
    assert (status, error["type"]) == (410, "Closed")
    assert socket.closeCode == 4410


def test_the_client_closing_the_page_over_the_socket_frees_it():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.send([-1, [[0, ["close", [{"type": "Closed", "message": "tab closed"}]]]]])
    assert raw.page.state is PageState.GONE
    assert raw.page.counter.lostWith.message == "tab closed"
    assert socket.serverClosed
