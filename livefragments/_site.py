"""``LiveSite``: a twisted.web ``Site`` whose connections suit live pages.

Tests: tests/unit/test_websocket.py (the message limit), tests/integration/test_client_http.py
(Nagle).  Docs: docs/livefragments.md "Serving", docs/protocol.md section 9.

Live pages work in any ``Site``; a ``LiveSite`` adds two things, at the seam Twisted documents
for them (``Factory.buildProtocol``, ``Protocol.connectionMade``): each connection turns
Nagle's algorithm off once, when it is made, and a connection that becomes a page's WebSocket
measures every client message while its frames arrive, so an oversized one is refused before
it is in memory (``twisted.web.websocket`` has no limit and gathers a whole message first).
"""

from __future__ import annotations

from twisted.internet.protocol import Protocol
from twisted.web.server import Site

from ._tcp import setNoDelay
from ._wsframes import MessageSizeWatch


class LiveSite(Site):
    """A ``Site`` whose every connection goes through a ``_Connection`` in front of its
    HTTP channel."""

    def __init__(self, resource, *args, **kwargs):
        super().__init__(resource, *args, **kwargs)
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
        setNoDelay(self.transport)
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
