"""The WebSocket transport of a page: the same envelopes as long-poll, as text frames.

Tests: tests/unit/test_websocket.py.  Rules: docs/protocol.md section 9.

``WebSocketEndpoint`` answers ``GET <base><clientId>/ws``: it checks the page, the session
cookie and the Origin like the long-poll transport, then upgrades with
``twisted.web.websocket``.  ``PageWebSocket`` is one socket of one page.  It waits for the
greeting ``{"csrf", "ack"}``, then becomes ``page.transport`` (the page's ``LongPollTransport``
steps aside) and sends every unacknowledged message with ``seq > ack``.  When the socket
closes, the long-poll transport is the page's transport again and the disconnect timer runs.

A socket is its connection's push producer: while the connection's send buffer is full (the
client does not read) it sends nothing, and what the page produces meanwhile waits in the
page's queue, where a newer latest value replaces an older one and the queue's limits apply,
as for a long-poll client that does not poll.  Without that, every envelope went into the
connection's buffer in the server's memory, without bound (bench/load.py's held sockets).
"""

from __future__ import annotations

import enum
import secrets

from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from twisted.web.websocket import WebSocketResource
from wsproto.utilities import LocalProtocolError

from ._errors import MessageTooLarge, ProtocolError, RemoteError
from ._http import refuseMethod
from ._json import dumps, loads
from ._longpoll import parseEnvelope
from ._page import NO_SUCH_PAGE, PageState
from ._site import LiveSite

log = Logger()

#: Close codes: 4000 + the HTTP status a long-poll request would have been answered with.
CLOSE_OFFSET = 4000
#: The payload of every heartbeat ping.
PING = b"lf"


class SocketState(enum.Enum):
    GREETING = "greeting"  # upgraded; waiting for {"csrf", "ack"}
    OPEN = "open"  # carrying envelopes: the page's transport
    CLOSED = "closed"  # closed by either side, or lost

    def canBecome(self, other: SocketState) -> bool:
        return other in _TRANSITIONS[self]


_TRANSITIONS = {
    SocketState.GREETING: {SocketState.OPEN, SocketState.CLOSED},
    SocketState.OPEN: {SocketState.CLOSED},
    SocketState.CLOSED: set(),
}


class WebSocketEndpoint(Resource):
    """``<base><clientId>/ws``: the checks of protocol.md 5.1 that need no body, then upgrade."""

    isLeaf = True

    def __init__(self, owner, clientId: str):
        super().__init__()
        self.owner = owner
        self.clientId = clientId

    def render(self, request):
        if refuseMethod(request, b"GET", "The WebSocket endpoint"):
            return NOT_DONE_YET
        return super().render(request)

    def render_GET(self, request):
        owner = self.owner
        if owner.pages.get(self.clientId) is None:  # the server restarted, or it expired
            return WebSocketResource(_Telling(NO_SUCH_PAGE)).render_GET(request)
        page = owner.pageForRequest(request, self.clientId)
        if page is None:
            return NOT_DONE_YET  # answered with 403
        if page.end is not None and not page.end.inBand:
            page.endRendered()
            return WebSocketResource(_Telling(page.end)).render_GET(request)
        factory = _Factory(page, owner.longPollOf(page), owner.reactor)
        return WebSocketResource(factory).render_GET(request)


def endFrame(status: int, type: str, message: str, reload: bool) -> str:
    """The out-of-band close's frame: like a long-poll error answer's body."""
    return dumps({"status": status, "error": {"type": type, "message": message,
                                              "reload": reload}})


class _Telling:
    """The upgrade for a page that is not here, or ended out of band: a browser cannot read
    an HTTP answer to a refused upgrade, only that it failed, and a page whose socket had
    opened before retries that for ever (an open page after the server restarted).  So the
    upgrade is accepted, and the socket says how the page ended and closes with 4000 + its
    status, as an open socket would."""

    def __init__(self, end):
        self.end = end
        self.transport = None

    def buildProtocol(self, request):
        return self

    def negotiationStarted(self, transport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        end = self.end
        try:
            self.transport.sendTextMessage(endFrame(end.status, end.type, end.message, True))
            self.transport.loseConnection(CLOSE_OFFSET + end.status)
        except LocalProtocolError:
            pass  # the client went first

    def textMessageReceived(self, message: str) -> None:
        pass  # its greeting: it has been told

    def bytesMessageReceived(self, data) -> None:
        pass

    def pongReceived(self, payload: bytes) -> None:
        pass

    def connectionLost(self, reason) -> None:
        pass


class _Factory:
    def __init__(self, page, home, reactor):
        self.page, self.home, self.reactor = page, home, reactor

    def buildProtocol(self, request):
        socket = PageWebSocket(self.page, self.home, self.reactor, request.channel.transport,
                               request.channel)
        if isinstance(request.site, LiveSite):
            request.site.limitMessages(request, self.page.settings.maxMessageBytes,
                                       socket.messageTooLarge)
        return socket


class PageWebSocket:
    """One WebSocket of one page (a ``twisted.web.websocket.WebSocketProtocol``)."""

    def __init__(self, page, home, reactor, connection, channel=None):
        self.page = page
        self.home = home  # the page's LongPollTransport
        self.reactor = reactor
        self.connection = connection  # the TCP transport the socket runs on
        #: The HTTP channel the socket took over: it pauses and resumes us with its buffer.
        self.channel = channel
        self.paused = False  # the connection's send buffer is full: send nothing
        self.settings = page.settings
        self.state = SocketState.GREETING
        self.transport = None  # the WebSocketTransport
        self.closeCode: int | None = None  # the code we closed with, if we closed
        self._ackSent = -1
        self._heard = True  # a frame or pong arrived since the last ping
        self._sent = False  # a frame went out since the last heartbeat
        self._pinged = False
        self._greetingTimer = None
        self._heartbeat = None

    def _setState(self, new: SocketState) -> None:
        if not self.state.canBecome(new):
            raise RuntimeError(f"A page's WebSocket cannot go from {self.state.value} to {new.value}.")
        self.state = new

    # -- twisted.web.websocket.WebSocketProtocol -------------------------------------------

    def negotiationStarted(self, transport) -> None:
        self.transport = transport

    def negotiationFinished(self) -> None:
        if self.channel is not None:
            self.channel.registerProducer(self, True)
        self._greetingTimer = self.reactor.callLater(
            self.settings.clientTimeout, self._greetingMissing)
        self._heartbeat = self.reactor.callLater(self.settings.idleTimeout, self._beat)

    def textMessageReceived(self, message: str) -> None:
        self._heard = True
        if self.state is SocketState.CLOSED:
            return
        # A LiveSite refuses an oversized message while it arrives (messageTooLarge); in any
        # other Site, it is refused here, once whole.
        if len(message) > self.settings.maxMessageBytes or \
                len(message.encode("utf-8")) > self.settings.maxMessageBytes:
            self._tooLarge()
        elif self.state is SocketState.GREETING:
            self._greeted(message)
        else:
            self._envelopeReceived(message)

    def bytesMessageReceived(self, data) -> None:
        self._heard = True
        if self.state is not SocketState.CLOSED:
            self._refuse(400, ProtocolError(
                "The WebSocket carries JSON text frames only; a binary frame arrived."))

    def messageTooLarge(self) -> None:
        """A LiveSite saw a message of this socket grow past maxMessageBytes as it arrived."""
        if self.state is not SocketState.CLOSED:
            self._tooLarge()

    def pongReceived(self, payload: bytes) -> None:
        self._heard = True

    def connectionLost(self, reason) -> None:
        self._closedByPeer()

    # -- receiving -------------------------------------------------------------------------

    def _greeted(self, message: str) -> None:
        page = self.page
        try:
            greeting = loads(message)
        except ProtocolError:
            greeting = None
        token = greeting.get("csrf") if isinstance(greeting, dict) else None
        if not isinstance(token, str) or not secrets.compare_digest(token, page.csrf):
            self._refuse(403, RemoteError("Forbidden", (
                "The first WebSocket frame must be {\"csrf\", \"ack\"} with this page's "
                "CSRF token.")))
            return
        ack = greeting.get("ack")
        if type(ack) is not int or ack < -1:
            self._refuse(400, ProtocolError(
                f"The greeting's ack must be an integer >= -1, not {ack!r}."))
            return
        if page.state is PageState.GONE or (page.end is not None and not page.end.inBand):
            self._renderEnd()
            return
        if self._greetingTimer is not None and self._greetingTimer.active():
            self._greetingTimer.cancel()
        self._greetingTimer = None
        if not self._receive([ack, []]):
            return
        self._setState(SocketState.OPEN)
        self.home.attachWebSocket(self)
        # A reconnect is a resumption: everything not acknowledged goes out again, in order.
        self._send(page.channel.encodedEnvelope(resend=True))

    def _envelopeReceived(self, message: str) -> None:
        try:
            envelope, _options = parseEnvelope(message)
        except ProtocolError as e:
            self._refuse(400, e)  # like a malformed body: the page lives on
            return
        if not self._receive(envelope):
            return
        page = self.page
        if page.state is PageState.GONE or self.state is SocketState.CLOSED:
            return  # the page ended in band (pageGone closed the socket)
        if page.channel.ack != self._ackSent:
            page._wake()  # the ack goes out at the end of the reactor turn, with what waits

    def _receive(self, envelope) -> bool:
        """Apply an envelope to the page; False if that ended the page or this socket."""
        self.page.receive(envelope)
        return not self._renderEnd()

    # -- sending (the page calls flush at the end of a reactor turn) ------------------------

    # -- the connection's push producer --------------------------------------------------

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False
        self.flush()

    def stopProducing(self) -> None:
        pass  # the connection is closing; connectionLost follows

    def flush(self) -> None:
        if self.state is not SocketState.OPEN:
            return
        page = self.page
        if self._renderEnd() or self.paused:
            return
        if page.channel.hasWaiting or page.channel.ack != self._ackSent:
            self._send(page.channel.encodedEnvelope())

    def _send(self, data: bytes) -> None:
        self._ackSent = self.page.channel.ack
        self._sent = True
        self._write(data.decode("utf-8"))

    def _write(self, text: str) -> bool:
        """Send a text frame; False (and this socket is closed) if the peer already closed
        it: its close frame came in the same read as its last envelope, before connectionLost."""
        try:
            self.transport.sendTextMessage(text)
        except LocalProtocolError:
            self._closedByPeer()
            return False
        return True

    def _closedByPeer(self) -> None:
        wasOpen = self.state is SocketState.OPEN
        if self.state is not SocketState.CLOSED:
            self._setState(SocketState.CLOSED)
        self._stopTimers()
        if wasOpen:
            self.home.detachWebSocket(self)

    def pageGone(self) -> None:
        """The page was freed: tell the client how it ended (unless it knows) and close."""
        self.home.pageGone()
        self._renderEnd()

    def supersede(self) -> None:
        """Another connection took the page over: close this socket."""
        if self.state is not SocketState.CLOSED:
            self._close(1000, "Another connection took over this page.")

    # -- closing ---------------------------------------------------------------------------

    def _renderEnd(self) -> bool:
        """If the page ended out of band (or is gone), close this socket with its end, and
        the page is freed; True if it did."""
        page = self.page
        end = page.end
        if end is None or (end.inBand and page.state is not PageState.GONE):
            return False
        if self.state is not SocketState.CLOSED:
            if end.acknowledged:
                self._close(1000)
            else:
                self._refuse(end.status, end, reload=True)
        page.endRendered()
        return True

    def _tooLarge(self) -> None:
        limit = self.settings.maxMessageBytes
        self.page.abort(MessageTooLarge(
            f"A WebSocket frame was larger than the limit of {limit} bytes; the page was closed."))
        self._renderEnd()

    def _refuse(self, status: int, error, reload: bool = False) -> None:
        """The out-of-band close: an error frame like a long-poll error body, then close code
        4000 + status."""
        if self.state is SocketState.CLOSED:
            return
        if self._write(endFrame(status, error.type, error.message, reload)):
            self._close(CLOSE_OFFSET + status)

    def _close(self, code: int, reason: str = "") -> None:
        wasOpen = self.state is SocketState.OPEN
        self._setState(SocketState.CLOSED)
        self.closeCode = code
        self._stopTimers()
        try:
            self.transport.loseConnection(code, reason)
        except LocalProtocolError:  # the peer's close came first; its connection is ending
            pass
        if wasOpen:
            self.home.detachWebSocket(self)

    def _abort(self) -> None:
        """Drop a dead socket at once: a half-open TCP connection would never flush a close."""
        wasOpen = self.state is SocketState.OPEN
        self._setState(SocketState.CLOSED)
        self._stopTimers()
        self.connection.abortConnection()
        if wasOpen:
            self.home.detachWebSocket(self)

    # -- timers ----------------------------------------------------------------------------

    def _greetingMissing(self) -> None:
        self._greetingTimer = None
        if self.state is SocketState.GREETING:
            self._refuse(408, ProtocolError(
                f"The WebSocket sent no greeting within {self.settings.clientTimeout:g} seconds."))

    def _beat(self) -> None:
        """Every idleTimeout: a socket silent since the previous ping is dead; else ping it,
        and send an empty envelope if nothing went out, so the client knows we are here."""
        self._heartbeat = None
        if self.state is SocketState.CLOSED:
            return
        if self._pinged and not self._heard:
            log.info("A WebSocket of page {id} did not answer a ping; dropping it.",
                     id=self.page.clientId)
            self._abort()
            return
        self._heard, self._pinged = False, True
        try:
            self.transport.ping(PING)
        except LocalProtocolError:
            self._closedByPeer()
            return
        if self.state is SocketState.OPEN and not self._sent and not self.paused:
            self._send(self.page.channel.encodedEnvelope())
        self._sent = False
        self._heartbeat = self.reactor.callLater(self.settings.idleTimeout, self._beat)

    def _stopTimers(self) -> None:
        if self.channel is not None:  # closed: the channel stops pausing us
            self.channel.unregisterProducer()
            self.channel = None
        for timer in (self._greetingTimer, self._heartbeat):
            if timer is not None and timer.active():
                timer.cancel()
        self._greetingTimer = self._heartbeat = None
