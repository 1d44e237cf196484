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


def clientFrame(payload: bytes, *, opcode: int = 0x1, fin: bool = True, length=None) -> bytes:
    """A client frame (masked with a zero key, so the payload reads as is); ``length`` may
    announce more payload than follows."""
    length = len(payload) if length is None else length
    size = bytes([0x80 | length]) if length < 126 else (
        bytes([0x80 | 126]) + length.to_bytes(2, "big") if length < 2 ** 16
        else bytes([0x80 | 127]) + length.to_bytes(8, "big"))
    return bytes([(0x80 if fin else 0) | opcode]) + size + b"\0\0\0\0" + payload


class _PipeEnd(StringTransport):
    """One end of an in-memory TCP connection; bytes reach the peer on the next Clock turn."""

    def __init__(self, clock, pipe, peerPort):
        super().__init__(peerAddress=IPv4Address("TCP", "127.0.0.1", peerPort),
                         hostAddress=IPv4Address("TCP", "127.0.0.1", 8080))
        self.clock, self.pipe = clock, pipe
        self.protocol = None
        self.peer: _PipeEnd | None = None
        self.mute = False  # what this end writes vanishes

    def write(self, data):
        if self.pipe.cut or self.pipe.severed or self.pipe.blackhole or self.mute:
            return
        self.clock.callLater(0, self.pipe.deliver, self.peer, data)

    def writeSequence(self, data):
        self.write(b"".join(data))

    def loseConnection(self):
        if not self.disconnecting:
            self.disconnecting = True
            self.clock.callLater(0, self.pipe.close, ConnectionDone("closed"))

    def abortConnection(self):
        # Like TCP: bytes not yet delivered are lost, connectionLost comes on the next turn.
        self.disconnected = True
        self.pipe.severed = True
        self.clock.callLater(0, self.pipe.close, ConnectionLost("aborted"))


class _Pipe:
    def __init__(self, clock, serverProtocol, clientProtocol):
        self.cut = False
        self.severed = False
        self.blackhole = False  # bytes vanish both ways, nobody notices (a half-open link)
        self.server = _PipeEnd(clock, self, 50002)
        self.client = _PipeEnd(clock, self, 8080)
        self.server.peer, self.client.peer = self.client, self.server
        self.server.protocol, self.client.protocol = serverProtocol, clientProtocol
        serverProtocol.makeConnection(self.server)
        clientProtocol.makeConnection(self.client)

    def deliver(self, end, data):
        if not (self.cut or self.severed or self.blackhole):
            end.protocol.dataReceived(data)

    def close(self, reason):
        if self.cut:
            return
        self.cut = True
        self.server.protocol.connectionLost(Failure(reason))
        self.client.protocol.connectionLost(Failure(reason))


class MemoryWebSocketConnector:
    """``connect(url, headers)`` for ``LiveClient``: a ``ClientSocket`` joined to ``site`` by
    an in-memory pipe on ``clock``.  ``refuse`` makes connections fail like a refused TCP
    connect; ``dropAll`` cuts every pipe, losing the bytes in flight."""

    def __init__(self, site, clock):
        self.site, self.clock = site, clock
        self.pipes: list[_Pipe] = []
        self.refuse = False

    def connect(self, url: str, headers):
        from urllib.parse import urlsplit

        from twisted.internet.defer import Deferred, fail
        from twisted.internet.error import ConnectionRefusedError

        from livefragments._wsclient import ClientSocket

        if self.refuse:
            return fail(ConnectionRefusedError("refused by the test"))
        parts = urlsplit(url)
        socket = ClientSocket(parts.netloc, parts.path, headers)
        result = Deferred(lambda _: pipe.close(ConnectionLost("cancelled")))
        socket.opened.addCallbacks(lambda s: result.called or result.callback(s),
                                   lambda f: result.called or result.errback(f))
        pipe = _Pipe(self.clock, self.site.buildProtocol(None), socket)
        self.pipes.append(pipe)
        return result

    @property
    def open(self) -> list:
        return [p for p in self.pipes if not p.cut]

    def dropAll(self) -> int:
        """Cut every open connection at once; returns how many there were."""
        pipes = self.open
        for pipe in pipes:
            pipe.close(ConnectionLost("dropped by the test"))
        return len(pipes)
