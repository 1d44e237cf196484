"""``LiveClient`` over WebSocket against the real Site, through in-memory TCP on a Clock.

(docs/protocol.md section 9: greeting, resumption, fallback, out-of-band close.)
"""

from livefragments import PageState, Settings
from livefragments._websocket import PageWebSocket
from livefragments._wsclient import ACK_DELAY, ACK_EVERY
from livefragments.client import ClientState, LiveClient
from tests.support.memoryws import MemoryWebSocketConnector
from tests.support.pages import ClientCounter, Harness


def openWS(h, connector=None):
    connector = connector or MemoryWebSocketConnector(h.site, h.clock)
    client = h.openClient(transport="websocket", connectWebSocket=connector.connect)
    h.settle(20)
    assert isinstance(client, LiveClient), client
    return client, connector


def counterOf(client):
    return client.widgetsByClass("demo/counter.js:Counter")[0]


def result(d, h, rounds=20):
    got = []
    d.addBoth(got.append)
    h.settle(rounds)
    assert got, "the call was not answered"
    return got[0]


def test_the_client_carries_the_page_over_the_socket_calls_cross_both_ways():
    h = Harness()
    client, connector = openWS(h)
    page = h.pages[-1]
    assert client.transportKind == "websocket" and client.state is ClientState.LIVE
    assert isinstance(page.transport, PageWebSocket)
    posts = client.stats["requests"]
    assert result(counterOf(client).callRemote("increment", 5), h) == 5
    assert result(page.counter.callRemote("show", 9), h) == "shown 9"
    error = result(counterOf(client).callRemote("fail", "nope"), h)
    assert (error.value.type, error.value.message) == ("Declined", "nope")
    error = result(page.counter.callRemote("boom"), h)
    assert error.value.type == "InternalError"
    assert client.stats["requests"] == posts == 0, "no long-poll request was needed"
    assert client.stats["sockets"] == 1


def test_a_fragment_returned_over_the_socket_becomes_a_client_widget():
    h = Harness()
    client, _ = openWS(h)
    spawned = result(counterOf(client).callRemote("spawn", 3), h)
    assert isinstance(spawned, ClientCounter) and spawned.args == [3]
    assert result(spawned.callRemote("increment"), h) == 4


def test_a_dropped_socket_reconnects_and_resumes_with_nothing_lost_or_doubled():
    h = Harness(Settings(disconnectTimeout=90))
    client, connector = openWS(h)
    page = h.pages[-1]
    calls = [counterOf(client).callRemote("record", n) for n in range(3)]
    pushes = [page.counter.callRemote("show", n) for n in range(3)]
    connector.pipes[0].blackhole = True
    h.clock.advance(0)  # the frames are numbered and written, and vanish...
    assert client.channel.hasUnacked and page.channel.hasUnacked
    assert connector.dropAll() == 1  # ...and then the connection breaks
    assert page.counter.log == [] and counterOf(client).shown == []
    assert client.state is ClientState.RECONNECTING
    h.clock.advance(15)  # the backoff
    h.settle(20)
    assert client.state is ClientState.LIVE and client.stats["sockets"] == 2
    assert [result(d, h) for d in calls] == [1, 2, 3]
    assert [result(d, h) for d in pushes] == ["shown 0", "shown 1", "shown 2"]
    assert page.counter.log == [0, 1, 2] and counterOf(client).shown == [0, 1, 2]


def test_frames_processed_but_unacknowledged_are_not_processed_twice():
    h = Harness(Settings(disconnectTimeout=90))
    client, connector = openWS(h)
    page = h.pages[-1]
    connector.pipes[0].server.mute = True  # what the server says is lost
    call = counterOf(client).callRemote("record", "once")
    h.settle(3)
    assert page.counter.log == ["once"], "the server ran it; its answer and ack were lost"
    assert client.channel.hasUnacked
    connector.dropAll()
    h.clock.advance(15)
    h.settle(20)
    assert result(call, h) == 1
    assert page.counter.log == ["once"], "the resent call was dropped as a duplicate"


def test_a_refused_upgrade_falls_back_to_long_poll():
    h = Harness(Settings(websocket=True))
    connector = MemoryWebSocketConnector(h.site, h.clock)
    connector.refuse = True
    client, _ = openWS(h, connector)
    assert client.transportKind == "longpoll"
    assert "did not open" in client.fallbackReason
    assert result(counterOf(client).callRemote("increment"), h) == 1


def test_a_server_without_websocket_is_used_over_long_poll():
    h = Harness(Settings(websocket=False))
    client, _ = openWS(h)
    assert client.transportKind == "longpoll"
    assert result(counterOf(client).callRemote("increment"), h) == 1


def test_a_socket_reopened_for_a_page_that_is_gone_is_told_so_and_the_client_expires():
    h = Harness(Settings(disconnectTimeout=90))
    client, connector = openWS(h)
    page = h.pages[-1]
    connector.dropAll()
    page.gone(ValueError("freed by the test"))
    h.clock.advance(15)
    h.settle(20)
    assert client.transportKind == "websocket", "the socket opened to say the page is gone"
    assert client.state is ClientState.EXPIRED
    assert client.closeReason.type == "NoSuchPage"


def test_a_queue_overflow_reaches_the_client_out_of_band():
    h = Harness(Settings(maxOutboundMessages=3))
    client, _ = openWS(h)
    page = h.pages[-1]
    for n in range(4):
        page.counter.callRemote("show", n).addErrback(lambda f: None)
    h.settle(10)
    assert client.state is ClientState.EXPIRED
    assert client.closeReason.type == "QueueOverflow"


def test_a_silent_socket_is_given_up_by_the_client_and_dropped_by_the_server():
    h = Harness(Settings(idleTimeout=30, clientTimeout=40, disconnectTimeout=90))
    client, connector = openWS(h)
    page = h.pages[-1]
    connector.pipes[0].blackhole = True  # half-open: bytes vanish, nobody is told
    h.clock.advance(39)
    assert client.state is ClientState.LIVE
    h.clock.advance(1.5)
    assert client.state is ClientState.RECONNECTING, "the client's watchdog fired"
    h.clock.advance(15)
    h.settle(20)
    assert client.state is ClientState.LIVE and client.stats["sockets"] == 2
    assert result(counterOf(client).callRemote("increment"), h) == 1
    assert isinstance(page.transport, PageWebSocket)


def test_closing_the_client_over_the_socket_frees_the_page():
    h = Harness()
    client, _ = openWS(h)
    page = h.pages[-1]
    client.close()
    h.settle(10)
    assert page.state is PageState.GONE
    assert page.counter.lostWith.message == "The client closed."


def test_an_in_band_close_is_acknowledged_so_the_server_frees_the_page_at_once():
    h = Harness()
    client, _ = openWS(h)
    page = h.pages[-1]
    page.close()
    h.settle(10)
    assert client.state is ClientState.CLOSED and client.closeReason.type == "Closed"
    assert page.state is PageState.GONE


def test_an_acknowledgement_alone_waits_for_more_or_for_its_delay():
    """A watcher sends nothing back for a notification at once: its acknowledgement goes with
    the next frame it sends, after ACK_DELAY, or at once once ACK_EVERY messages await it."""
    h = Harness()
    client, _ = openWS(h)
    page = h.pages[-1]
    received = []
    page.transport.textMessageReceived = lambda text, original=page.transport.textMessageReceived: (
        received.append(text), original(text))
    page.counter.notifyRemote("show", 1)
    h.settle(5)
    assert received == [] and page.channel.hasUnacked, "nothing went back at once"
    h.clock.advance(ACK_DELAY)
    h.settle(5)
    assert received == ['[0,[]]'] and not page.channel.hasUnacked, "the ack went on its delay"
    for n in range(ACK_EVERY):
        page.counter.notifyRemote("show", n)
    h.settle(5)
    assert received[-1] == f'[{ACK_EVERY},[]]', "ACK_EVERY messages are acknowledged at once"
    page.counter.notifyRemote("show", 0)
    h.settle(5)
    sent = len(received)
    result(counterOf(client).callRemote("increment", 1), h)
    assert received[sent].startswith(f'[{ACK_EVERY + 1},') and "increment" in received[sent], \
        "the call the client makes carries the ack"
    h.clock.advance(ACK_DELAY)
    h.settle(5)
    assert received[sent + 1:] == [f'[{ACK_EVERY + 2},[]]'], \
        "the call's answer is acknowledged on its delay, once"
