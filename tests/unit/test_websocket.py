"""The WebSocket transport of a live page (docs/protocol.md section 9).

Driven frame by frame through the real Site, twisted.web.websocket and wsproto, on a Clock.
"""


import pytest

from livefragments import ConnectionLost, PageState, QueueOverflow, Settings
from livefragments._websocket import PageWebSocket
from tests.support.memoryws import MemoryWebSocket
from tests.support.pages import Harness, RawPage, call


def connect(h, raw, *, greet=True, ack=-1, origin="http://127.0.0.1:8080", cookie=None,
            answerPings=True):
    path = raw.boot["websocket"]
    socket = MemoryWebSocket(h.site, path, raw.cookie if cookie is None else cookie, origin,
                             answerPings=answerPings)
    if greet:
        assert socket.accepted, (socket.rejected, socket.rejectBody)
        socket.send({"csrf": raw.boot["csrf"], "ack": ack})
    return socket


def envelopes(socket):
    """The envelopes received since the last look, without their options."""
    frames = socket.take()
    for frame in frames:
        assert isinstance(frame, list) and len(frame) == 3 and set(frame[2]) == {"last"}, frame
    return [frame[:2] for frame in frames]


def refusal(socket):
    frames = socket.take()
    assert len(frames) >= 1 and isinstance(frames[-1], dict), frames
    return frames[-1]["status"], frames[-1]["error"]


# -- the upgrade and the greeting ------------------------------------------------------------


def test_the_boot_block_names_the_websocket_endpoint_below_the_page():
    h = Harness()
    raw = RawPage(h)
    assert raw.boot["websocket"] == f"/demo/{raw.boot['clientId']}/ws"
    assert raw.boot["preferWebSocket"] is False


def test_after_a_valid_greeting_the_socket_carries_the_page_and_says_what_it_has():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    assert envelopes(socket) == [[-1, []]]
    assert isinstance(raw.page.transport, PageWebSocket)
    assert raw.page.state is PageState.CONNECTED
    assert raw.page.counter.made == 1


def test_a_socket_for_an_unknown_page_opens_to_say_so_and_to_reload():
    """A browser reads nothing of a refused upgrade, and an open page's socket would be tried
    again for ever after the server restarted (its page gone): the upgrade is accepted, and
    the socket says why and closes with 4404, as an open socket would."""
    h = Harness()
    raw = RawPage(h)
    socket = MemoryWebSocket(h.site, "/demo/nope/ws", raw.cookie)
    assert socket.accepted
    status, error = refusal(socket)
    assert (status, error["type"], error["reload"]) == (404, "NoSuchPage", True)
    assert socket.closeCode == 4404 and socket.serverClosed


def test_a_socket_for_a_page_ended_out_of_band_opens_to_say_how_it_ended():
    h = Harness()
    raw = RawPage(h)
    raw.page.abort(QueueOverflow("The outbound queue grew past its limit here."))
    socket = MemoryWebSocket(h.site, raw.boot["websocket"], raw.cookie)
    status, error = refusal(socket)
    assert (status, error["type"], error["reload"]) == (410, "QueueOverflow", True)
    assert socket.closeCode == 4410
    assert raw.page.state is PageState.GONE


def test_the_upgrade_without_the_page_session_cookie_is_refused_with_403():
    h = Harness()
    raw = RawPage(h)
    for cookie in (None, "lf_session=someone-else"):
        socket = MemoryWebSocket(h.site, raw.boot["websocket"], cookie)
        assert socket.rejected == 403
    assert raw.page.state is PageState.NEW


def test_the_upgrade_from_another_origin_is_refused_with_403():
    h = Harness()
    raw = RawPage(h)
    socket = MemoryWebSocket(h.site, raw.boot["websocket"], raw.cookie, "http://evil.example")
    assert socket.rejected == 403
    assert b"evil.example" in socket.rejectBody


def test_the_endpoint_is_absent_when_websocket_is_off():
    h = Harness(Settings(websocket=False))
    raw = RawPage(h)
    assert raw.boot["websocket"] is None
    socket = MemoryWebSocket(h.site, f"/demo/{raw.boot['clientId']}/ws", raw.cookie)
    assert socket.rejected == 404


def test_a_greeting_without_the_csrf_token_closes_the_socket_with_4403_and_the_page_lives():
    h = Harness()
    raw = RawPage(h)
    for greeting in ({"csrf": "wrong", "ack": -1}, {"ack": -1}, [1, 2], "not json"):
        socket = connect(h, raw, greet=False)
        if isinstance(greeting, str):
            socket.sendText(greeting)
        else:
            socket.send(greeting)
        status, error = refusal(socket)
        assert (status, error["type"], error["reload"]) == (403, "Forbidden", False)
        assert socket.closeCode == 4403 and socket.serverClosed
    assert raw.page.isLive
    assert not isinstance(raw.page.transport, PageWebSocket)


def test_a_greeting_with_a_bad_ack_is_a_protocol_error():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw, greet=False)
    socket.send({"csrf": raw.boot["csrf"], "ack": "zero"})
    status, error = refusal(socket)
    assert (status, error["type"]) == (400, "ProtocolError")
    assert socket.closeCode == 4400
    assert raw.page.isLive


def test_a_greeting_acknowledging_messages_never_sent_closes_the_page():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw, ack=5)
    status, error = refusal(socket)
    assert (status, error["type"], error["reload"]) == (400, "ProtocolError", True)
    assert raw.page.state is PageState.GONE


@pytest.mark.parametrize("end, status, type, code", [
    (lambda page: page.abort(QueueOverflow("The outbound queue grew past its limit here.")),
     410, "QueueOverflow", 4410),
    (lambda page: page.gone(ConnectionLost("The page expired in this test.")),
     404, "NoSuchPage", 4404),
], ids=["aborted", "gone"])
def test_a_greeting_for_a_page_ended_since_the_upgrade_is_told_why_and_to_reload(
        end, status, type, code):
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw, greet=False)
    end(raw.page)
    socket.send({"csrf": raw.boot["csrf"], "ack": -1})
    got, error = refusal(socket)
    assert (got, error["type"], error["reload"]) == (status, type, True)
    assert socket.closeCode == code
    assert raw.page.state is PageState.GONE


def test_a_socket_that_never_greets_is_closed_after_the_client_timeout():
    h = Harness(Settings(clientTimeout=40, idleTimeout=300))
    raw = RawPage(h)
    socket = connect(h, raw, greet=False)
    h.clock.advance(39.9)
    assert socket.closeCode is None
    h.clock.advance(0.2)
    assert refusal(socket)[0] == 408
    assert socket.closeCode == 4408


# -- envelopes both ways -------------------------------------------------------------------


def test_calls_cross_both_ways_and_a_turn_s_messages_share_one_frame():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.send([-1, [call(0, 0, "increment", 2), call(1, 1, "increment", 3)]])
    assert socket.take() == [], "answers go out at the end of the reactor turn"
    h.clock.advance(0)
    assert envelopes(socket) == [[1, [[0, ["respond", [0, True, 2]]], [1, ["respond", [1, True, 5]]]]]]
    shown = raw.page.counter.callRemote("show", 7)
    raw.page.counter.callRemote("show", 8)
    h.clock.advance(0)
    assert envelopes(socket) == [[1, [[2, ["call", [0, 1, "show", [7], {}]]],
                                      [3, ["call", [1, 1, "show", [8], {}]]]]]]
    results = []
    shown.addCallback(results.append)
    socket.send([3, [[2, ["respond", [0, True, "shown 7"]]]]])
    assert results == ["shown 7"]
    h.clock.advance(0)
    assert envelopes(socket) == [[2, []]], "a lone ack goes back so the client can forget"
    assert not raw.page.channel.hasUnacked


def test_errors_cross_the_socket_as_error_objects():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.send([-1, [call(0, 0, "fail", "bad"), call(1, 1, "notExposed")]])
    h.clock.advance(0)
    [[_, messages]] = envelopes(socket)
    assert messages[0][1] == ["respond", [0, False, {"type": "Declined", "message": "bad"}]]
    assert messages[1][1][1][2]["type"] == "NoSuchMethod"


def test_a_duplicate_frame_is_processed_once_and_a_gap_waits():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.send([-1, [call(1, 1, "record", "second")]])
    socket.send([-1, [call(0, 0, "record", "first")]])
    socket.send([-1, [call(0, 0, "record", "first")]])
    h.clock.advance(0)
    assert raw.page.counter.log == ["first", "second"]


def test_a_fragment_returned_from_a_call_arrives_as_a_widget_description():
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.send([-1, [call(0, 0, "spawn", 5)]])
    h.clock.advance(0)
    [[_, [[_, [action, [_, ok, value]]]]]] = envelopes(socket)
    assert action == "respond" and ok and value["__lf__"] == "widget" and value["args"] == [5]
    assert value["markup"].startswith(f'<div data-lf-id="{value["id"]}"')


# -- resumption ----------------------------------------------------------------------------


def test_a_reconnect_resumes_nothing_lost_nothing_doubled():
    h = Harness(Settings(disconnectTimeout=90))
    raw = RawPage(h)
    first = connect(h, raw)
    first.take()
    first.send([-1, [call(0, 0, "record", "a")]])
    raw.page.counter.callRemote("show", "x")
    h.clock.advance(0)
    assert len(envelopes(first)[0][1]) == 2  # ...but suppose this frame never arrived
    first.drop()
    assert not isinstance(raw.page.transport, PageWebSocket), "long-poll is home again"
    raw.page.counter.callRemote("show", "y")
    h.clock.advance(60)
    assert raw.page.isLive
    second = connect(h, raw, ack=-1)
    [[ack, messages]] = envelopes(second)
    assert ack == 0
    assert [m[0] for m in messages] == [0, 1, 2]
    assert [m[1][0] for m in messages] == ["respond", "call", "call"]
    second.send([2, [call(0, 0, "record", "a")]])  # the client resends what it has unacked
    h.clock.advance(0)
    assert raw.page.counter.log == ["a"], "the resent call is a duplicate"
    assert not raw.page.channel.hasUnacked


def test_the_greeting_ack_releases_what_the_client_already_has():
    h = Harness()
    raw = RawPage(h)
    first = connect(h, raw)
    raw.page.counter.callRemote("show", 1)
    raw.page.counter.callRemote("show", 2)
    h.clock.advance(0)
    first.drop()
    second = connect(h, raw, ack=0)
    [[_, messages]] = envelopes(second)
    assert [m[0] for m in messages] == [1]


def test_an_open_socket_keeps_the_page_alive_and_its_loss_starts_the_disconnect_timer():
    h = Harness(Settings(disconnectTimeout=90, idleTimeout=30))
    raw = RawPage(h)
    socket = connect(h, raw)
    h.clock.advance(300)
    assert raw.page.isLive
    socket.drop()
    h.clock.advance(89)
    assert raw.page.isLive
    h.clock.advance(2)
    assert raw.page.state is PageState.GONE
    assert raw.page.counter.lostWith.type == "ConnectionLost"


def test_a_new_socket_supersedes_the_old_one():
    h = Harness()
    raw = RawPage(h)
    old = connect(h, raw)
    new = connect(h, raw)
    assert old.closeCode == 1000 and old.serverClosed
    assert raw.page.transport is not None and isinstance(raw.page.transport, PageWebSocket)
    old.drop()
    assert isinstance(raw.page.transport, PageWebSocket), "the old socket's loss changes nothing"
    raw.page.counter.callRemote("show", 1)
    h.clock.advance(0)
    assert envelopes(new)[-1][1][0][1][0] == "call"


def test_a_socket_answers_a_parked_long_poll_and_a_long_poll_request_takes_the_page_back():
    h = Harness()
    raw = RawPage(h)
    poll = raw.post([-1, []])
    h.settle()
    assert poll == []
    socket = connect(h, raw)
    assert poll[0].code == 200, "the parked request is answered when the socket takes over"
    back = raw.post([-1, [call(0, 0, "increment")]])
    assert socket.closeCode == 1000 and socket.serverClosed
    h.settle()
    assert back[0].code == 200
    assert raw.page.counter.value == 1


# -- heartbeat -----------------------------------------------------------------------------


def test_the_server_pings_every_idle_timeout_and_sends_an_empty_envelope_if_silent():
    h = Harness(Settings(idleTimeout=30))
    raw = RawPage(h)
    socket = connect(h, raw)
    assert envelopes(socket) == [[-1, []]]  # the answer to the greeting
    h.clock.advance(30)
    assert socket.pings == 1
    assert socket.take() == [], "no keep-alive envelope when something went out"
    h.clock.advance(30)
    assert socket.pings == 2
    assert envelopes(socket) == [[-1, []]], "a keep-alive after a silent idleTimeout"
    raw.page.counter.callRemote("show", 1)
    h.clock.advance(0)
    socket.take()
    h.clock.advance(30)
    assert socket.pings == 3
    assert socket.take() == []
    h.clock.advance(300)
    assert socket.closeCode is None and raw.page.isLive


def test_a_socket_that_does_not_answer_pings_is_dropped_and_long_poll_is_home_again():
    h = Harness(Settings(idleTimeout=30, disconnectTimeout=90))
    raw = RawPage(h)
    socket = connect(h, raw, answerPings=False)
    h.clock.advance(30)
    assert not socket.serverClosed
    h.clock.advance(30)
    assert socket.serverAborted and socket.closeCode is None, "a half-open socket is aborted, not closed politely"
    assert not isinstance(raw.page.transport, PageWebSocket)
    h.clock.advance(91)
    assert raw.page.state is PageState.GONE


def test_answers_to_a_frame_followed_at_once_by_the_client_s_close_go_nowhere_quietly():
    from wsproto.events import CloseConnection

    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.send([-1, [call(0, 0, "record", "last words")]])
    socket.channel.dataReceived(socket.ws.send(CloseConnection(code=1000)))
    h.clock.advance(0)  # the answer finds the socket closing: no error, no frame
    assert raw.page.counter.log == ["last words"]
    assert not isinstance(raw.page.transport, PageWebSocket)
    assert raw.page.isLive, "the page waits for the client to come back"


def test_a_post_to_the_websocket_endpoint_is_405():
    h = Harness()
    raw = RawPage(h)
    answers = []
    url = raw.boot["websocket"]
    h.http.request(b"POST", url, {b"cookie": raw.cookie.encode()}, b"").addBoth(answers.append)
    assert answers[0].code == 405 and answers[0].headers["allow"] == ["GET"]


# -- a client that does not read -------------------------------------------------------------


def test_while_the_connection_cannot_take_more_nothing_is_sent_and_a_latest_value_waits():
    """The connection's send buffer is full (the client does not read): the TCP transport
    pauses its producer, the HTTP channel the socket took over.  The socket then sends nothing;
    what the page produces waits in its queue, where a latest value replaces the older one,
    and goes out in one envelope when the buffer drains.  (Before, every value went into the
    connection's buffer in the server's memory, without bound.)"""
    h = Harness()
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    socket.transport.producer.pauseProducing()  # what the TCP transport does past its buffer
    page = raw.page
    for n in range(100):
        page.counter.notifyLatest("v", "show", lambda n=n: [n])
        h.clock.advance(0)
    page.counter.notifyRemote("show", "after")
    h.settle()
    assert socket.take() == [], "nothing goes into a full buffer"
    assert page.channel.waitingCount == 2 and not page.channel.hasUnacked
    socket.transport.producer.resumeProducing()
    assert envelopes(socket) == [[-1, [[0, ["call", [None, 1, "show", [99], {}]]],
                                       [1, ["call", [None, 1, "show", ["after"], {}]]]]]]
    socket.send([1, []])
    assert not page.channel.hasUnacked and page.state is PageState.CONNECTED


def test_a_client_that_never_reads_meets_the_page_s_queue_limit_not_the_server_s_memory():
    """Messages that cannot be replaced (calls) pile up in the queue while the socket is
    paused, and the queue's limit closes the page (QueueOverflow), as for a long-poll client
    that stopped polling."""
    h = Harness(Settings(maxOutboundMessages=50))
    raw = RawPage(h)
    socket = connect(h, raw)
    socket.take()
    channel = socket.transport.producer  # the HTTP channel the socket took over
    assert channel._requestProducer is raw.page.transport, "the socket is paused by its buffer"
    channel.pauseProducing()
    for n in range(60):
        raw.page.counter.notifyRemote("show", n)
    h.settle()
    assert raw.page.state is PageState.GONE
    assert raw.page.end.type == "QueueOverflow"
    assert socket.closeCode == 4410, "told why, in the frame the buffer still takes"
    assert channel._requestProducer is None, "the closed socket let go"
