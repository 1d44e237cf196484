"""An in-memory WebSocket client of a real twisted.web ``Site``, frame by frame.

The server code under test is the production code: the upgrade goes through the Site's
``HTTPChannel`` over a ``StringTransport`` and ``twisted.web.websocket``; the client side is
plain wsproto, so a test can send any frame (a bad greeting, a huge frame) and see every frame
and close code the server sends.  Time is the Site's ``Clock``.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from livefragments._json import dumps, loads


class MemoryWebSocket:
    """One client socket: ``frames`` (parsed JSON), ``closeCode``, ``rejected`` (HTTP status)."""

    def __init__(self, site, path: str, cookie: str | None, origin: str | None = None,
                 answerPings: bool = True):
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.answerPings = answerPings
        self.frames: list = []
        self._pings = 0
        self.accepted = False
        self.rejected: int | None = None
        self.rejectBody = b""
        self._closeCode: int | None = None
        self.transport = StringTransport(
            peerAddress=IPv4Address("TCP", "127.0.0.1", 50001),
            hostAddress=IPv4Address("TCP", "127.0.0.1", 8080))
        self.channel = site.buildProtocol(None)
        self.channel.makeConnection(self.transport)
        headers = []
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        self.channel.dataReceived(self.ws.send(Request(
            host="127.0.0.1:8080", target=path, extra_headers=headers)))
        self.pump()

    def pump(self) -> None:
        """Read what the server wrote so far."""
        data = self.transport.value()
        self.transport.clear()
        if not data:
            return
        self.ws.receive_data(data)
        for event in self.ws.events():
            if isinstance(event, AcceptConnection):
                self.accepted = True
            elif isinstance(event, RejectConnection):
                self.rejected = event.status_code
            elif isinstance(event, RejectData):
                self.rejectBody += event.data
            elif isinstance(event, TextMessage):
                self._text = getattr(self, "_text", "") + event.data
                if event.message_finished:
                    self.frames.append(loads(self._text))
                    self._text = ""
            elif isinstance(event, Ping):
                self._pings += 1
                if self.answerPings:
                    self.channel.dataReceived(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self._closeCode = event.code

    def sendText(self, text: str) -> None:
        self.channel.dataReceived(self.ws.send(Message(data=text)))
        self.pump()

    def send(self, value) -> None:
        self.sendText(dumps(value))

    def sendChunks(self, chunks: list[str]) -> None:
        """One message in several frames (continuation frames)."""
        for i, chunk in enumerate(chunks):
            self.channel.dataReceived(self.ws.send(
                Message(data=chunk, message_finished=i == len(chunks) - 1)))
            self.pump()

    def sendBytes(self, data: bytes) -> None:
        self.channel.dataReceived(self.ws.send(Message(data=data)))
        self.pump()

    def take(self) -> list:
        """The frames received since the last take."""
        self.pump()
        frames, self.frames = self.frames, []
        return frames

    @property
    def closeCode(self) -> int | None:
        """The code of the server's close frame, once one arrived."""
        self.pump()
        return self._closeCode

    @property
    def pings(self) -> int:
        self.pump()
        return self._pings

    @property
    def serverClosed(self) -> bool:
        """The server closed or aborted the TCP connection."""
        return self.transport.disconnecting

    @property
    def serverAborted(self) -> bool:
        """The server aborted the TCP connection (no close handshake)."""
        return self.transport.disconnected

    def drop(self, clean: bool = False) -> None:
        """The TCP connection ends (the server's connectionLost runs)."""
        reason = ConnectionDone("closed") if clean else ConnectionLost("dropped by the test")
        self.channel.connectionLost(Failure(reason))
