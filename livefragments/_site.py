"""``LiveSite``: a twisted.web ``Site`` that refuses an oversized WebSocket message while it arrives,
and an oversized request body before it is read (``LiveRequest``).

Tests: tests/unit/test_websocket.py, tests/unit/test_wsframes.py.  Docs: docs/livefragments.md
"Writing a live page", docs/protocol.md 9.3.

Live pages work in any ``Site``, but ``twisted.web.websocket`` gathers every message whole
before it hands it over, with no limit and no public hook per frame.  A ``LiveSite`` puts a
``_Connection`` in front of each connection's HTTP channel, at the seams Twisted documents
(``Factory.buildProtocol``, ``Protocol.connectionMade``); once the connection becomes a live
page's WebSocket, it measures each client message from its frame headers (``MessageSizeWatch``)
and stops the bytes at the frame that takes a message past ``maxMessageBytes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from twisted.internet.defer import Deferred
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.web.http import HTTPChannel
from twisted.web.server import Request, Site

from ._json import dumpb
from ._wsframes import MessageSizeWatch

log = Logger()


@dataclass(frozen=True)
class BodyLimit:
    """A limit on the bodies of some requests (``LiveSite.bodyLimit`` chooses it by request).

    ``limit``: the largest body accepted, in bytes.  ``refusal(length)``: the sentence for a
    body that is larger (``length`` is None for a chunked body, counted as it came).  A body
    declared at most ``drain`` bytes long is read and dropped before the answer, so that a
    browser still sending it sees the sentence (a connection closed under its upload would show
    it a network error instead); a larger one is refused at once, unread.  ``type`` names the
    error in the JSON answer."""

    limit: int
    refusal: Callable[[int | None], str]
    drain: int = 0
    type: str = "MessageTooLarge"


class LiveRequest(Request):
    """A request whose declared body is refused before it is read if it is larger than its
    site's ``maxBodyBytes``: 413 with a sentence, and the connection closes.

    twisted.web reads every body into memory or a temporary file before a resource sees the
    request, so an unauthenticated 64 MiB POST would be written to disk first.  The seam is
    ``gotLength``, which the HTTP channel calls with the Content-Length as soon as the headers
    are in; a chunked body, whose length is not declared, is counted as it comes
    (``handleContentChunk``) and refused once it passes the limit.

    Some requests may have another limit (uploads: a larger one): the site's ``bodyLimit``
    hook, if it has one, is asked at ``gotLength`` with the request, its headers and cookies
    parsed, its method and path (``requestLine()``) known.  It may answer with a Deferred (it
    must look up who sends the request); then a body declared larger than the site's limit
    waits, the connection paused, until it fires, and every other body gets the site's limit
    at once.  A hook that fails leaves the site's limit (and is logged)."""

    refused = False
    _received = 0
    _rule: BodyLimit | None = None
    _decided = False  # is ``_rule`` the rule (None: no limit)?
    _held: list[bytes] | None = None  # the body's first bytes, while its rule is looked up
    _heldEnd: tuple | None = None  # the body ended too while it was looked up
    _drained: str | None = None  # the sentence to answer once a drained body is in

    #: The method and path of the request line, as ``LiveChannel`` saw it.
    seenLine: tuple[bytes, bytes] | None = None

    def requestLine(self) -> tuple[bytes, bytes]:
        """The method and path of a request whose body is still coming (twisted.web sets
        ``method`` and ``uri`` only once the body is in)."""
        if self.seenLine is not None:
            return self.seenLine
        return (self.method or b"", self.uri or b"")

    def _siteRule(self) -> BodyLimit | None:
        limit = getattr(self.channel.site, "maxBodyBytes", None)
        return None if limit is None else BodyLimit(limit, _serverLimit(limit))

    def _decide(self, rule: BodyLimit | None) -> BodyLimit | None:
        self._rule, self._decided = rule, True
        return rule

    def gotLength(self, length):
        choose = getattr(self.channel.site, "bodyLimit", None)
        choice = choose(self) if choose is not None else None
        if isinstance(choice, Deferred):
            site = self._siteRule()
            if length is not None and site is not None and length > site.limit:
                self._waitForRule(choice, length)
                return
            # Within the site's limit (or chunked, counted against it): no need to wait.
            choice.addErrback(lambda failure: None)
            choice = site
        self._checkLength(self._decide(choice if choice is not None else self._siteRule()),
                          length)

    def _checkLength(self, rule: BodyLimit | None, length: int | None) -> None:
        if length is None or rule is None or length <= rule.limit:
            super().gotLength(length)
            return
        if length <= rule.drain:
            self.content = _Discard()
            self._drained = rule.refusal(length)
            return
        self._refuse(rule.refusal(length), rule.type)

    def _waitForRule(self, choice: Deferred, length: int) -> None:
        """The site's hook looks up whose request this is (a session not in its cache): read
        nothing more of the body until it knows, then go on under the rule it chose."""
        self._held = []
        transport = self.channel.transport
        transport.pauseProducing()

        def decided(rule):
            held, self._held = self._held, None
            if self.channel is None:  # the client went away meanwhile
                return
            site = self._siteRule()
            self._checkLength(self._decide(rule if isinstance(rule, BodyLimit) else site), length)
            for data in held:
                self.handleContentChunk(data)
            if self.refused:
                return
            transport.resumeProducing()
            end, self._heldEnd = self._heldEnd, None
            if end is not None:
                super(LiveRequest, self).requestReceived(*end)

        def failed(failure):
            log.failure("Choosing the body limit of {line!r} failed; the site's limit applies.",
                        failure, line=self.requestLine())

        choice.addErrback(failed).addCallback(decided)

    def requestReceived(self, command, path, version):
        if self._held is not None:  # a body read whole before the transport paused
            self._heldEnd = (command, path, version)
            return
        super().requestReceived(command, path, version)

    def handleContentChunk(self, data):
        if self._held is not None:  # at most what was read before the transport paused
            self._held.append(data)
            return
        # A chunked body declares no length: it is counted as it comes.
        if self.refused or self._drained is not None:
            return
        self._received += len(data)
        rule = self._rule if self._decided else self._decide(self._siteRule())
        if rule is not None and self._received > rule.limit:
            self._refuse(rule.refusal(None), rule.type)
            return
        super().handleContentChunk(data)

    def _refuse(self, message: str, type: str = "MessageTooLarge") -> None:
        self.refused = True
        self.content = _Discard()
        self.requestHeaders.removeHeader(b"expect")  # no "100 Continue" after the answer
        body = dumpb({"error": {"type": type, "reload": False, "message": message}})
        transport = self.channel.transport
        transport.pauseProducing()  # read nothing more of it
        transport.write(b"HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\n"
                        b"content-length: %d\r\nconnection: close\r\n"
                        b"x-content-type-options: nosniff\r\ncache-control: no-store\r\n\r\n"
                        % len(body) + body)
        transport.loseConnection()

    def process(self):
        if self._drained is not None:
            body = dumpb({"error": {"type": self._rule.type, "reload": False,
                                    "message": self._drained}})
            self.setResponseCode(413)
            for name, value in ((b"content-type", b"application/json"), (b"connection", b"close"),
                                (b"x-content-type-options", b"nosniff"),
                                (b"cache-control", b"no-store"),
                                (b"content-length", b"%d" % len(body))):
                self.setHeader(name, value)
            self.write(body)
            self.finish()
        elif not self.refused:
            super().process()


def _serverLimit(limit: int) -> Callable[[int | None], str]:
    def refusal(length: int | None) -> str:
        if length is None:
            return (f"The request's body is larger than the server's limit of {limit} bytes; "
                    "the rest of it was not read.")
        return (f"The request's body of {length} bytes is larger than the server's limit of "
                f"{limit} bytes; nothing of it was read.")

    return refusal


class _Discard:
    """A request body that keeps nothing (the request was refused)."""

    def write(self, data: bytes) -> None:
        pass

    def seek(self, *args) -> int:
        return 0

    def tell(self) -> int:
        return 0

    def read(self, *args) -> bytes:
        return b""

    def close(self) -> None:
        pass


class LiveChannel(HTTPChannel):
    """twisted.web's HTTP channel, which tells each ``LiveRequest`` the method and path of its
    request line as soon as the line is in (``LiveRequest.requestLine``).  The seam is the
    public ``lineReceived``: the line that makes the channel start a request (``requests``
    grows) is that request's line; twisted.web has already answered a malformed one with 400.
    """

    def lineReceived(self, line):
        started = len(self.requests)
        result = super().lineReceived(line)
        if len(self.requests) > started:
            parts = line.split(b" ")
            request = self.requests[-1]
            if len(parts) == 3 and isinstance(request, LiveRequest):
                request.seenLine = (parts[0], parts[1])
        return result


class LiveSite(Site):
    """A ``Site`` whose every connection goes through a ``_Connection`` in front of its
    HTTP channel, and whose requests' bodies may be at most ``maxBodyBytes`` (None: any),
    unless ``bodyLimit(request)`` gives the request a ``BodyLimit`` of its own."""

    requestFactory = LiveRequest
    #: Plain HTTP/1.1 channels (twisted.web's default also offers HTTP/2 over TLS, which a
    #: live page's server on 127.0.0.1 or behind a proxy does not use).
    protocol = LiveChannel

    def __init__(self, resource, *args, maxBodyBytes: int | None = None,
                 bodyLimit: Callable[[LiveRequest], BodyLimit | Deferred | None] | None = None,
                 **kwargs):
        super().__init__(resource, *args, **kwargs)
        self.maxBodyBytes = maxBodyBytes
        self.bodyLimit = bodyLimit
        self._connections: dict = {}  # transport -> _Connection, while connected

    def buildProtocol(self, addr):
        channel = super().buildProtocol(addr)
        return None if channel is None else _Connection(self, channel)

    def limitMessages(self, request, limit: int, tooLarge) -> None:
        """Measure the WebSocket messages of the connection ``request`` is upgrading: once a
        message's frames announce more than ``limit`` bytes, ``tooLarge()`` is called and the
        rest of what the client sends is dropped (the connection is to close)."""
        connection = self._connections.get(request.channel.transport)
        if connection is not None:
            connection.watch = MessageSizeWatch(limit)
            connection.tooLarge = tooLarge


class _Connection(Protocol):
    """One connection of a ``LiveSite``: it passes everything to the HTTP channel (and to the
    WebSocket that may take the channel over), measuring the WebSocket's messages."""

    def __init__(self, site: LiveSite, channel):
        self.site = self.factory = site
        self.channel = channel
        self.watch: MessageSizeWatch | None = None
        self.tooLarge = None
        self.refused = False

    def connectionMade(self) -> None:
        self.site._connections[self.transport] = self
        self.channel.makeConnection(self.transport)

    def dataReceived(self, data: bytes) -> None:
        if self.refused:
            return  # an oversized message was refused: the connection is closing
        cut = None if self.watch is None else self.watch.feed(data)
        if cut is None:
            self.channel.dataReceived(data)
            return
        self.refused = True
        if cut:
            self.channel.dataReceived(data[:cut])  # the frames before the oversized one
        self.tooLarge()

    def connectionLost(self, reason) -> None:
        self.site._connections.pop(self.transport, None)
        self.channel.connectionLost(reason)
