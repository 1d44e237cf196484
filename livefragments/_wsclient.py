"""The Python client's WebSocket mode (docs/protocol.md section 9).

Tests: tests/unit/test_client_websocket.py, tests/integration/test_client_http.py.

``ClientSocket`` is a client WebSocket over any Twisted transport, framed by wsproto (Twisted's
own client cannot send the session cookie).  ``WebSocketDriver`` moves a client ``Transport``'s
envelopes over one such socket: greeting, resend after a reconnect, silence watchdog, and the
out-of-band close; if the upgrade fails the transport falls back to long-poll.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from twisted.internet.defer import Deferred
from twisted.internet.protocol import Factory, Protocol
from twisted.logger import Logger
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
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

from ._errors import ConnectionLost, LiveFragmentsError, ProtocolError, errorFromObject
from ._json import dumps, loads
from ._tcp import setNoDelay

log = Logger()

#: An acknowledgement alone waits (protocol.md 9.4): it goes once this many messages await it,
#: or ``ACK_DELAY`` seconds after the first of them came; any frame this side sends carries it.
#: A watcher then sends nothing back for most changes (js/livefragments/websocket.js likewise).
ACK_EVERY = 50
ACK_DELAY = 0.5


class UpgradeRefused(LiveFragmentsError):
    """The server answered the WebSocket upgrade with an HTTP status instead of 101."""

    def __init__(self, status: int, body: bytes):
        super().__init__(f"The WebSocket upgrade was answered HTTP {status}.")
        self.status, self.body = status, body


class ClientSocket(Protocol):
    """One client WebSocket.  ``opened`` fires with it once upgraded (or fails);
    ``onText(text)`` and ``onClose(code)`` are set by its user."""

    def __init__(self, host: str, target: str, headers: list[tuple[bytes, bytes]]):
        self.host, self.target, self.headers = host, target, headers
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.opened: Deferred = Deferred()
        self.onText = lambda text: None
        self.onClose = lambda code: None
        self.closeCode: int | None = None
        self._text: list[str] = []
        self._reject: UpgradeRefused | None = None

    def connectionMade(self) -> None:
        setNoDelay(self.transport)
        self.transport.write(self.ws.send(Request(
            host=self.host, target=self.target, extra_headers=self.headers)))

    def dataReceived(self, data: bytes) -> None:
        try:
            self.ws.receive_data(data)
            events = list(self.ws.events())
        except Exception as e:  # wsproto refuses a malformed stream: the socket is unusable
            log.info("The server's WebSocket stream was malformed: {e}", e=e)
            self.transport.abortConnection()
            return
        for event in events:
            if isinstance(event, AcceptConnection):
                self.opened.callback(self)
            elif isinstance(event, RejectConnection):
                self._reject = UpgradeRefused(event.status_code, b"")
                if not event.has_body:
                    self.transport.loseConnection()
            elif isinstance(event, RejectData) and self._reject is not None:
                self._reject.body += event.data
                if event.body_finished:
                    self.transport.loseConnection()
            elif isinstance(event, TextMessage):
                self._text.append(event.data)
                if event.message_finished:
                    text, self._text = "".join(self._text), []
                    self.onText(text)
            elif isinstance(event, Ping):
                self.transport.write(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.closeCode = event.code
                if self.ws.state is not ConnectionState.CLOSED:
                    self.transport.write(self.ws.send(event.response()))
                self.transport.loseConnection()

    def connectionLost(self, reason) -> None:
        if not self.opened.called:
            self.opened.errback(self._reject or ConnectionLost(
                f"The WebSocket connection ended before the upgrade: {reason.value}"))
            return
        self.onClose(self.closeCode if self.closeCode is not None else 1006)

    @property
    def isOpen(self) -> bool:
        return self.opened.called and self.ws.state is ConnectionState.OPEN

    def sendText(self, text: str) -> None:
        """Send a text frame; dropped if the socket is closing (onClose follows)."""
        if self.ws.state is ConnectionState.OPEN:
            self.transport.write(self.ws.send(Message(data=text)))

    def close(self, code: int = 1000) -> None:
        if self.ws.state is ConnectionState.OPEN:
            self.transport.write(self.ws.send(CloseConnection(code=code)))
        self.transport.loseConnection()

    def abort(self) -> None:
        self.transport.abortConnection()


def connectWebSocket(reactor, url: str, headers: list[tuple[bytes, bytes]]) -> Deferred:
    """Open ``ws://host:port/path`` over TCP; fires with the upgraded ``ClientSocket``."""
    from twisted.internet.endpoints import HostnameEndpoint

    parts = urlsplit(url)
    if parts.scheme != "ws":
        raise ValueError(f"Only ws:// URLs are supported by this client, not {url!r}.")
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    socket = ClientSocket(parts.netloc, target, headers)
    endpoint = HostnameEndpoint(reactor, parts.hostname, parts.port or 80)
    connecting = endpoint.connect(Factory.forProtocol(lambda: socket))

    def cancel(_):
        connecting.cancel()
        if socket.transport is not None:
            socket.transport.abortConnection()

    result = Deferred(cancel)
    connecting.addErrback(lambda f: result.called or result.errback(f))
    socket.opened.addCallbacks(
        lambda s: result.called or result.callback(s),
        lambda f: result.called or result.errback(f))
    return result


class WebSocketDriver:
    """A ``Transport``'s envelopes over one WebSocket at a time."""

    kind = "websocket"

    def __init__(self, transport, url: str, connect):
        self.transport = transport
        self.url = url
        self.connect = connect  # (url, headers) -> Deferred[ClientSocket]
        self.socket: ClientSocket | None = None
        self._connecting: Deferred | None = None
        self._ackSent = -1
        self._ackCall = None  # sends a waiting acknowledgement ACK_DELAY after it began to wait
        self._silence = None

    def kick(self) -> None:
        """Open a socket if there is none, else send what waits (or a moved ack)."""
        if self.socket is None:
            if self._connecting is None:
                self._open()
            return
        channel = self.transport.channel
        if channel.hasWaiting:
            self._sendFrame([channel.ack, channel.takeBatch()])
        elif channel.ack - self._ackSent >= ACK_EVERY:
            self._sendFrame([channel.ack, []])
        elif channel.ack != self._ackSent and self._ackCall is None:
            self._ackCall = self.transport.reactor.callLater(ACK_DELAY, self._ackDue)

    def _ackDue(self) -> None:
        self._ackCall = None
        channel = self.transport.channel
        if self.socket is not None and self.transport.isLive and channel.ack != self._ackSent:
            self._sendFrame([channel.ack, []])

    def _sendFrame(self, envelope) -> None:
        self._ackSent = envelope[0]
        self._stopAck()
        self.socket.sendText(dumps(envelope))

    def _stopAck(self) -> None:
        if self._ackCall is not None and self._ackCall.active():
            self._ackCall.cancel()
        self._ackCall = None

    def _open(self) -> None:
        transport = self.transport
        headers = list(transport.cookieHeaders().items())
        headers.append((b"origin", transport.origin.encode()))
        d = self._connecting = self.connect(self.url, headers)
        timer = transport.reactor.callLater(transport.clientTimeout, d.cancel)

        def settled(result):
            if timer.active():
                timer.cancel()
            if self._connecting is d:
                self._connecting = None
            return result

        d.addBoth(settled)
        d.addCallbacks(self._opened, self._openFailed)

    def _opened(self, socket: ClientSocket) -> None:
        transport = self.transport
        if not transport.isLive:
            socket.close()
            return
        self.socket = socket
        socket.onText = lambda text: self._text(socket, text)
        socket.onClose = lambda code: self._closed(socket, code)
        channel = transport.channel
        socket.sendText(dumps({"csrf": transport.csrf, "ack": channel.ack}))
        channel.takeBatch()  # waiting messages go with the resend, numbered now
        unacked = channel.unacked()
        if unacked:
            socket.sendText(dumps([channel.ack, unacked]))
        self._ackSent = channel.ack
        transport.stats["sockets"] += 1
        self._armSilence()
        transport.opened()
        transport.kickSoon()

    def _openFailed(self, failure) -> None:
        if self.transport.isLive:
            self.transport.upgradeFailed(f"The WebSocket did not open: {failure.value}")

    def _text(self, socket: ClientSocket, text: str) -> None:
        if socket is not self.socket:
            return
        self._armSilence()
        transport = self.transport
        try:
            value = loads(text)
        except ProtocolError as e:
            transport.broken(e)
            return
        if isinstance(value, dict):  # the out-of-band close: {"status": n, "error": {...}}
            self.abort()
            status = value.get("status")
            self._refused(status if type(status) is int else 400, value.get("error"))
            return
        if transport.received(value):
            transport.kickSoon()

    def _closed(self, socket: ClientSocket, code: int) -> None:
        if socket is not self.socket:
            return
        self.socket = None
        self._stopSilence()
        if 4000 <= code <= 4999:
            self._refused(code - 4000, None)  # a status close whose error frame was lost
        else:
            self.transport.failed(ConnectionLost(f"The WebSocket closed (code {code})."))

    def _refused(self, status: int, errorObj) -> None:
        try:
            errorFromObject(errorObj)
        except ProtocolError:
            # A status close without its error frame: retrying learns the rest.
            self.transport.failed(ProtocolError(f"The WebSocket closed with status {status}."))
            return
        self.transport.refused(status, errorObj)

    def abort(self) -> None:
        """Drop the socket (and a connection attempt); whatever they still deliver is ignored."""
        self._stopSilence()
        self._stopAck()
        connecting, self._connecting = self._connecting, None
        if connecting is not None:
            connecting.cancel()
        socket, self.socket = self.socket, None
        if socket is not None:
            socket.onText = lambda text: None
            socket.onClose = lambda code: None
            socket.close()

    def sendFinal(self, envelope) -> bool:
        """Send a last envelope on the open socket and close it; False if none is open."""
        socket = self.socket
        if socket is None or not socket.isOpen:
            return False
        socket.sendText(dumps(envelope))
        self.abort()
        return True

    def _armSilence(self) -> None:
        # The server sends at least an empty envelope every idleTimeout; a socket silent for
        # clientTimeout is half-open.
        self._stopSilence()
        self._silence = self.transport.reactor.callLater(
            self.transport.clientTimeout, self._silent)

    def _stopSilence(self) -> None:
        if self._silence is not None and self._silence.active():
            self._silence.cancel()
        self._silence = None

    def _silent(self) -> None:
        self._silence = None
        if self.socket is not None:
            seconds = self.transport.clientTimeout
            socket, self.socket = self.socket, None
            socket.onClose = lambda code: None
            socket.abort()
            self.transport.failed(ConnectionLost(f"The WebSocket was silent for {seconds:g} s."))
