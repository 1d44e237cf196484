"""``livefragments.client`` against a real server over real TCP on 127.0.0.1, long-poll and
WebSocket: calls and errors both ways, a fragment added after load, and resumption after the
server really dropped every TCP connection with messages unacknowledged in both directions.
"""

import functools
import socket
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.threads import deferToThread

from livefragments import PageState, Settings, expose
from livefragments._errors import Closed
from livefragments.client import AgentHTTP, ClientState, LiveClient, PlainHTTP
from tests.support.connections import Connections
from tests.support.pages import ClientCounter, Counter, DemoPage, demoSite
from tests.support.waiting import eventually as _eventually

#: Waits here may take longer than the shared default.
eventually = functools.partial(_eventually, timeout=15.0)


pytestmark = pytest.mark.integration


class CuttingCounter(Counter):
    @expose
    def pushAndCut(self, count: int) -> Deferred:
        """Push ``count`` calls to the client, answer everything this turn produced, then
        abort every TCP connection before those bytes leave the process."""
        for n in range(count):
            self.pushed.append(self.callRemote("show", f"push {n}"))
        done = Deferred()
        reactor.callLater(0, self._cut, done)
        return done

    def _cut(self, done):
        self.page.transport.flush()  # number and write the answers and pushes...
        done.callback(self.page.connections.abortAll())  # ...and lose them


class CuttingPage(DemoPage):
    def __init__(self, connections):
        super(DemoPage, self).__init__()
        self.connections = connections
        self.counter = self.addChild(CuttingCounter(0))
        self.counter.pushed = []


class Server:
    def __init__(self, settings: Settings):
        self.connections = Connections()
        self.pages: list = []
        site, self.resource = demoSite(reactor, lambda: CuttingPage(self.connections),
                                       self.pages, settings)
        self.port = reactor.listenTCP(0, self.connections.watch(site), interface="127.0.0.1")
        self.url = f"http://127.0.0.1:{self.port.getHost().port}/demo/"

    async def stop(self):
        for page in list(self.resource.pages.values()):
            page.abort(Closed("The test is over."))
            page.gone()
        self.connections.abortAll()
        await self.port.stopListening()


@pytest.fixture(params=["longpoll", "websocket"])
def transport(request):
    return request.param


@pytest.fixture
def server():
    server = Server(Settings(idleTimeout=5, clientTimeout=8, disconnectTimeout=30))
    yield server
    pytest_twisted.blockon(Deferred.fromCoroutine(server.stop()))


async def openClient(server, transport, httpClass=PlainHTTP):
    http = httpClass(reactor)
    client = await LiveClient.open(reactor, server.url, http=http, transport=transport,
                                   widgetClasses={"demo/counter.js:Counter": ClientCounter})
    return client, http


async def finish(server, client, http):
    """Close the client's page, see the server free it, and close the client's connections."""
    page = server.pages[-1]
    await client.close()
    await eventually(lambda: page.state is PageState.GONE, "the server freeing the closed page")
    await http.close()


def counterOf(client):
    return client.widgetsByClass("demo/counter.js:Counter")[0]


@pytest_twisted.ensureDeferred
async def test_calls_and_errors_cross_both_ways_over_real_http(server, transport):
    client, http = await openClient(server, transport)
    page = server.pages[-1]
    await eventually(lambda: client.state is ClientState.LIVE, "the client going live")
    assert client.transportKind == transport
    assert await counterOf(client).callRemote("increment", 2) == 2
    assert await page.counter.callRemote("show", "hi") == "shown hi"
    with pytest.raises(Exception) as raised:
        await counterOf(client).callRemote("fail", "bad input")
    assert (raised.value.type, raised.value.message) == ("Declined", "bad input")
    with pytest.raises(Exception) as raised:
        await page.counter.callRemote("boom")
    assert raised.value.type == "InternalError" and "in the client's log" in raised.value.message
    if transport == "websocket":
        assert client.stats["sockets"] == 1 and client.stats["requests"] == 0
    await finish(server, client, http)


@pytest_twisted.ensureDeferred
async def test_agenthttp_carries_a_page_too(server):
    """The client's other HTTP (for https) speaks the same protocol."""
    client, http = await openClient(server, "longpoll", AgentHTTP)
    assert await counterOf(client).callRemote("increment", 2) == 2
    assert await server.pages[-1].counter.callRemote("show", "hi") == "shown hi"
    await finish(server, client, http)


@pytest_twisted.ensureDeferred
async def test_a_fragment_added_after_load_becomes_a_live_client_widget(server, transport):
    client, http = await openClient(server, transport)
    spawned = await counterOf(client).callRemote("spawn", 10)
    assert isinstance(spawned, ClientCounter) and spawned.args == [10]
    assert spawned.markup.startswith(f'<div data-lf-id="{spawned.id}"')
    assert await spawned.callRemote("increment", 5) == 15
    server.pages[-1].getWidget(spawned.id).callRemote("show", "to the new one")
    await eventually(lambda: spawned.shown == ["to the new one"], "the server calling it")
    await finish(server, client, http)


@pytest_twisted.ensureDeferred
async def test_resumption_after_dropped_connections_with_unacked_messages_both_ways(
        server, transport):
    client, http = await openClient(server, transport)
    page = server.pages[-1]
    widget = counterOf(client)
    await widget.callRemote("increment")
    # One request carries three calls and pushAndCut: the server runs them, answers and
    # pushes, then aborts every connection before any of it leaves.
    records = [widget.callRemote("record", n) for n in range(3)]
    cut = widget.callRemote("pushAndCut", 3)
    aborted = await cut
    assert aborted >= 1 and server.connections.aborted >= aborted, "the drop really happened"
    assert client.stats["failures"] >= 1, "the client saw its connection fail"
    assert await gatherResults(records) == [1, 2, 3]
    assert page.counter.log == [0, 1, 2], "every call ran once"
    assert await gatherResults(page.counter.pushed) == [f"shown push {n}" for n in range(3)]
    assert widget.shown == [f"push {n}" for n in range(3)], "every push arrived once, in order"
    assert await widget.callRemote("increment") == 2
    assert client.transportKind == transport
    await finish(server, client, http)


@pytest_twisted.ensureDeferred
async def test_transport_connections_have_nagle_off_and_answers_carry_a_length(server):
    """Small answers leave at once (no ~40 ms Nagle stall) and are not chunked."""
    client, http = await openClient(server, "longpoll")
    assert await counterOf(client).callRemote("increment", 1) == 1
    sockets = [t.getHandle() for t in server.connections.transports if t.connected]
    assert sockets and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)
    refused = await deferToThread(_rawPost, client.transportURL, b"[-1, []]")
    assert refused.status == 403
    assert refused.getheader("content-length") == str(len(refused.body))
    assert refused.getheader("transfer-encoding") is None
    await finish(server, client, http)


def _rawPost(url: str, body: bytes):
    """A POST with a wrong CSRF token through the stdlib (Agent hides the framing headers)."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", parts.path, body, {"Content-Type": "application/json",
                                                      "X-LF-CSRF": "wrong"})
        response = connection.getresponse()
        response.body = response.read()
        return response
    finally:
        connection.close()
