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

from twisted.internet.protocol import Protocol
from twisted.web.server import Request, Site

from ._json import dumpb
from ._wsframes import MessageSizeWatch


class LiveRequest(Request):
    """A request whose declared body is refused before it is read if it is larger than its
    site's ``maxBodyBytes``: 413 with a sentence, and the connection closes.

    twisted.web reads every body into memory or a temporary file before a resource sees the
    request, so an unauthenticated 64 MiB POST would be written to disk first.  The seam is
    ``gotLength``, which the HTTP channel calls with the Content-Length as soon as the headers
    are in; a chunked body, whose length is not declared, is counted as it comes
    (``handleContentChunk``) and refused once it passes the limit."""

    refused = False
    _received = 0

    def _limit(self) -> int | None:
        return getattr(self.channel.site, "maxBodyBytes", None)

    def gotLength(self, length):
        limit = self._limit()
        if length is None or limit is None or length <= limit:
            super().gotLength(length)
            return
        self._refuse(f"The request's body of {length} bytes is larger than the server's limit "
                     f"of {limit} bytes; nothing of it was read.")

    def handleContentChunk(self, data):
        # A chunked body declares no length: it is counted as it comes.
        if self.refused:
            return
        self._received += len(data)
        limit = self._limit()
        if limit is not None and self._received > limit:
            self._refuse(f"The request's body is larger than the server's limit of {limit} "
                         "bytes; the rest of it was not read.")
            return
        super().handleContentChunk(data)

    def _refuse(self, message: str) -> None:
        self.refused = True
        self.content = _Discard()
        self.requestHeaders.removeHeader(b"expect")  # no "100 Continue" after the answer
        body = dumpb({"error": {"type": "MessageTooLarge", "reload": False, "message": message}})
        transport = self.channel.transport
        transport.pauseProducing()  # read nothing more of it
        transport.write(b"HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\n"
                        b"content-length: %d\r\nconnection: close\r\n"
                        b"x-content-type-options: nosniff\r\ncache-control: no-store\r\n\r\n"
                        % len(body) + body)
        transport.loseConnection()

    def process(self):
        if not self.refused:
            super().process()


class _Discard:
    """A request body that keeps nothing (the request was refused)."""

    def write(self, data: bytes) -> None:
        pass

    def seek(self, *args) -> int:
        return 0

    def read(self, *args) -> bytes:
        return b""

    def close(self) -> None:
        pass


class LiveSite(Site):
    """A ``Site`` whose every connection goes through a ``_Connection`` in front of its
    HTTP channel, and whose requests' bodies may be at most ``maxBodyBytes`` (None: any)."""

    requestFactory = LiveRequest

    def __init__(self, resource, *args, maxBodyBytes: int | None = None, **kwargs):
        super().__init__(resource, *args, **kwargs)
        self.maxBodyBytes = maxBodyBytes
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
