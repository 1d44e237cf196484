"""PlainHTTP against real sockets on 127.0.0.1: framings, kept connections, cancelling, faults."""

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.defer import CancelledError
from twisted.internet.protocol import Factory, Protocol
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Site

from livefragments._plainhttp import HTTPProtocolError, PlainHTTP
from tests.support.connections import Connections
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


class Echo(Resource):
    isLeaf = True

    def __init__(self):
        super().__init__()
        self.parked = []

    def render_GET(self, request):
        if request.path == b"/park":
            self.parked.append(request)
            return NOT_DONE_YET
        if request.path == b"/empty":
            request.setResponseCode(204)
            return b""
        request.write(b"chunk one, ")  # no length: Twisted answers chunked
        request.write(b"chunk two")
        request.finish()
        return NOT_DONE_YET

    def render_POST(self, request):
        body = request.content.read()
        request.setHeader(b"content-length", b"%d" % (len(body) + 5))
        return b"echo:" + body


@pytest.fixture
def site():
    connections = Connections()
    resource = Echo()
    port = reactor.listenTCP(0, connections.watch(Site(resource)), interface="127.0.0.1")
    yield f"http://127.0.0.1:{port.getHost().port}", resource, connections
    connections.abortAll()
    pytest_twisted.blockon(port.stopListening())


class Canned(Protocol):
    """A server that answers every request with fixed bytes, then maybe closes."""

    def dataReceived(self, data):
        self.transport.write(self.factory.answer)
        if self.factory.close:
            self.transport.loseConnection()


def canned(answer: bytes, close: bool):
    factory = Factory.forProtocol(Canned)
    factory.answer, factory.close = answer, close
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    return f"http://127.0.0.1:{port.getHost().port}/", port


@pytest_twisted.ensureDeferred
async def test_lengths_and_chunks_are_read_and_one_connection_carries_every_request(site):
    base, _, connections = site
    http = PlainHTTP(reactor)
    for n in range(3):
        answer = await http.request(b"POST", base + "/x", {b"X-Test": b"1"}, b"body %d" % n)
        assert (answer.code, answer.body) == (200, b"echo:body %d" % n)
    chunked = await http.request(b"GET", base + "/", {}, None)
    assert chunked.body == b"chunk one, chunk two"
    empty = await http.request(b"GET", base + "/empty", {}, None)
    assert (empty.code, empty.body) == (204, b"")
    assert len(connections.transports) == 1, "the connection was kept and reused"
    await http.close()


@pytest_twisted.ensureDeferred
async def test_cancelling_a_request_drops_its_connection_and_the_next_one_works(site):
    base, resource, connections = site
    http = PlainHTTP(reactor)
    parked = http.request(b"GET", base + "/park", {}, None)
    await eventually(lambda: resource.parked, "the request reaching the server")
    parked.cancel()
    with pytest.raises(CancelledError):
        await parked
    answer = await http.request(b"POST", base + "/x", {}, b"after")
    assert answer.body == b"echo:after"
    await http.close()


@pytest_twisted.ensureDeferred
async def test_a_body_ended_by_closing_the_connection_is_read_whole():
    url, port = canned(b"HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of it", close=True)
    http = PlainHTTP(reactor)
    answer = await http.request(b"GET", url, {}, None)
    assert (answer.code, answer.headers["x"], answer.body) == (200, ["y"], b"all of it")
    await http.close()
    await port.stopListening()


@pytest_twisted.ensureDeferred
async def test_an_answer_that_is_not_http_fails_with_a_sentence():
    url, port = canned(b"SMTP ready\r\n\r\n", close=False)
    http = PlainHTTP(reactor)
    with pytest.raises(HTTPProtocolError, match="not an HTTP/1.1 status line"):
        await http.request(b"GET", url, {}, None)
    await http.close()
    await port.stopListening()


@pytest_twisted.ensureDeferred
async def test_a_kept_connection_closed_by_the_server_is_replaced_without_failing(site):
    base, _, connections = site
    http = PlainHTTP(reactor)
    assert (await http.request(b"POST", base + "/x", {}, b"1")).body == b"echo:1"
    for transport in list(connections.transports):
        transport.loseConnection()  # the server closes the idle connection...
    answer = await http.request(b"POST", base + "/x", {}, b"2")  # ...maybe before we notice
    assert answer.body == b"echo:2"
    await http.close()


@pytest_twisted.ensureDeferred
async def test_https_is_refused_with_a_pointer_to_agenthttp():
    with pytest.raises(ValueError, match="AgentHTTP"):
        PlainHTTP(reactor).request(b"GET", "https://127.0.0.1/", {}, None)
