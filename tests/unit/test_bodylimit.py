"""``LiveSite``'s limits on request bodies (livefragments/_site.py): the site's for every
request, a ``BodyLimit`` of its own for those ``bodyLimit`` picks (at once, or later: a
Deferred while the body waits), from the declared length or counted as a chunked body comes,
refused at once or after the body is drained."""

from __future__ import annotations

import json

from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.web.resource import Resource

from livefragments import BodyLimit, LiveSite
from tests.support.logs import capturedLogs, failures


class Echo(Resource):
    isLeaf = True

    def render_POST(self, request):
        return b"got %d" % len(request.content.read())


def site(**kw):
    def choose(request):
        method, path = request.requestLine()
        if method == b"POST" and path.startswith(b"/upload"):
            return BodyLimit(100, lambda n: f"Uploads are 100 bytes at most, not {n or 'more'}.",
                             drain=200, type="TooLarge")
        return None

    return LiveSite(Echo(), maxBodyBytes=10, bodyLimit=choose, **kw)


def send(raw: bytes):
    channel = site().buildProtocol(None)
    transport = StringTransport()
    channel.makeConnection(transport)
    channel.dataReceived(raw)
    return transport


def post(path: str, body: bytes):
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    return send(head.encode() + body)


def answer(transport):
    head, _, body = transport.value().partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_the_site_limit_holds_for_other_requests_and_the_chosen_one_for_uploads():
    assert answer(post("/other", b"x" * 10)) == (200, b"got 10")
    code, body = answer(post("/other", b"x" * 11))
    assert code == 413 and b"limit of 10 bytes" in body
    assert answer(post("/upload", b"x" * 100)) == (200, b"got 100")


def test_an_upload_a_little_over_is_drained_then_answered_and_far_over_refused_unread():
    code, body = answer(post("/upload", b"x" * 150))
    assert code == 413
    assert json.loads(body)["error"] == {"type": "TooLarge", "reload": False,
                                         "message": "Uploads are 100 bytes at most, not 150."}
    far = post("/upload", b"x" * 201)
    code, body = answer(far)
    assert code == 413 and json.loads(body)["error"]["message"].endswith("not 201.")
    assert far.disconnecting


def test_a_chunked_upload_is_counted_as_it_comes():
    head = b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (60, b"x" * 60)
    small = send(head + chunk + b"0\r\n\r\n")
    assert answer(small) == (200, b"got 60")
    big = send(head + chunk + chunk)
    code, body = answer(big)
    assert code == 413 and b"not more." in body and big.disconnecting


UPLOAD = BodyLimit(100, lambda n: f"Uploads are 100 bytes at most, not {n}.", type="TooLarge")


class Later:
    """A ``bodyLimit`` hook that must look each request up: a Deferred the test fires."""

    def __init__(self):
        self.asked: list[Deferred] = []

    def __call__(self, request):
        d = Deferred()
        self.asked.append(d)
        return d


def connect(hook):
    channel = LiveSite(Echo(), maxBodyBytes=10, bodyLimit=hook).buildProtocol(None)
    transport = StringTransport()
    channel.makeConnection(transport)
    return channel, transport


def test_a_body_over_the_site_limit_waits_paused_for_a_later_choice_and_then_is_read():
    hook = Later()
    channel, transport = connect(hook)
    channel.dataReceived(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n"
                         + b"x" * 20)
    assert transport.producerState == "paused" and transport.value() == b""
    channel.dataReceived(b"y" * 40)  # read before the pause took hold: held, in order
    hook.asked[0].callback(UPLOAD)
    assert transport.producerState == "producing"
    assert answer(transport) == (200, b"got 60")


def test_a_later_choice_of_nothing_or_a_failure_leaves_the_site_limit():
    with capturedLogs("livefragments") as logged:
        for outcome in (None, RuntimeError("the store is down")):
            hook = Later()
            channel, transport = connect(hook)
            channel.dataReceived(
                b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n")
            if outcome is None:
                hook.asked[0].callback(None)
            else:
                hook.asked[0].errback(outcome)
            code, body = answer(transport)
            assert code == 413 and b"limit of 10 bytes" in body and transport.disconnecting
    assert [f.getErrorMessage() for f in failures(logged)] == ["the store is down"]


def test_a_later_choice_is_not_waited_for_under_the_site_limit_nor_after_the_client_left():
    hook = Later()
    channel, transport = connect(hook)
    channel.dataReceived(b"POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
    assert answer(transport) == (200, b"got 5")
    hook.asked[0].callback(UPLOAD)  # too late to matter, and harmless

    hook = Later()
    channel, transport = connect(hook)
    channel.dataReceived(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n")
    channel.connectionLost(Failure(ConnectionDone()))
    hook.asked[0].callback(UPLOAD)
    assert transport.value() == b""
