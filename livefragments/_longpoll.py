"""The long-poll transport of one page: parking, answering, timeouts, crowded sessions.

Tests: tests/unit/test_longpoll.py, tests/unit/test_crowding.py.  Rules: docs/protocol.md
sections 5.2 and 5.3.
"""

from __future__ import annotations

from ._channel import validateEnvelope
from ._errors import ConnectionLost, ProtocolError
from ._http import writeEnd, writeJSON
from ._json import loads
from ._page import PageState


def parseEnvelope(body: bytes | str):
    """Parse a client envelope ``[ack, messages]`` or ``[ack, messages, options]``.

    Returns ``(envelope, options)``; raises ProtocolError (a full sentence) if it is not one.
    """
    value = loads(body)
    if isinstance(value, list) and len(value) == 3:
        options = value[2]
        if not isinstance(options, dict):
            raise ProtocolError("The envelope's third element, the options, must be an object.")
        value = value[:2]
    else:
        options = {}
    validateEnvelope(value)
    return value, options


class ParkingLot:
    """The pages of each session that have a long-poll request parked.

    Browsers open about 6 HTTP/1.1 connections per host, shared by every tab of a profile
    (one session).  When more than ``crowdedSessionPages`` pages of a session have a request
    parked, every parked request of that session is answered after ``crowdedParkTime``
    instead of ``idleTimeout``: connections rotate, so no tab's request waits long in the
    browser's queue behind the others' polls.
    """

    def __init__(self, settings):
        self.settings = settings
        self._parked: dict[str, set] = {}

    def parkTime(self, transport) -> float:
        """``transport`` parks a request: how long it may stay parked (and shorten others')."""
        sessionId = transport.page.sessionId
        parked = self._parked.setdefault(sessionId, set())
        parked.add(transport)
        if not self.crowded(sessionId):
            return self.settings.idleTimeout
        short = min(self.settings.crowdedParkTime, self.settings.idleTimeout)
        for other in parked:
            if other is not transport:
                other.shortenPark(short)
        return short

    def left(self, transport) -> None:
        """``transport`` no longer has a request parked."""
        parked = self._parked.get(transport.page.sessionId)
        if parked is not None:
            parked.discard(transport)
            if not parked:
                del self._parked[transport.page.sessionId]

    def crowded(self, sessionId) -> bool:
        return len(self._parked.get(sessionId, ())) > self.settings.crowdedSessionPages


class LongPollTransport:
    """Holds at most one parked request of a page and answers requests per section 5.2.

    It is the page's home transport: it owns the disconnect timer.  While a WebSocket carries
    the page (``attachWebSocket``) the socket is ``page.transport`` and this one holds nothing;
    the newest connection wins, so a long-poll request takes the page back from a socket.
    """

    def __init__(self, page, reactor, lot: ParkingLot | None = None):
        self.page = page
        self.reactor = reactor
        self.settings = page.settings
        self.lot = lot
        self.webSocket = None  # the socket carrying the page, if any
        self._parked = None  # (request, idle timer)
        self._due: list = []  # (request, resend) answered at the end of this reactor turn
        self._disconnectTimer = None
        self._away = False  # the page was told it is away (connectionChanged)
        self._lostAt = 0.0  # when the page last lost its connection (reactor seconds)
        self._connected = False  # a request or a socket came for the page, ever
        settings = self.settings
        page.channel.limitOutbound(min(settings.maxUnpolledMessages, settings.maxOutboundMessages),
                                   min(settings.maxUnpolledBytes, settings.maxOutboundBytes))
        page.transport = self
        self._armDisconnect()

    def _contact(self) -> None:
        """The client reached the page: it may hold the full queue from now on."""
        if not self._connected:
            self._connected = True
            self.page.channel.limitOutbound(self.settings.maxOutboundMessages,
                                            self.settings.maxOutboundBytes)

    # -- timers ----------------------------------------------------------------------------

    def _armDisconnect(self) -> None:
        """The page has no connection now (no request parked or due, no socket): it is away
        after ``awaySeconds`` and gone after ``disconnectTimeout``, one timer for both."""
        if (self._disconnectTimer is None and self._parked is None and not self._due
                and self.webSocket is None and self.page.state is not PageState.GONE):
            self._lostAt = self.reactor.seconds()
            away = self.settings.awaySeconds
            if 0 < away < self.settings.disconnectTimeout:
                self._disconnectTimer = self.reactor.callLater(away, self._gotAway)
            else:
                self._disconnectTimer = self.reactor.callLater(
                    self.settings.disconnectTimeout, self._disconnected)

    def _disarmDisconnect(self) -> None:
        """The page has a connection again."""
        if self._disconnectTimer is not None:
            self._disconnectTimer.cancel()
            self._disconnectTimer = None
        if self._away:
            self._away = False
            self.page.connectionChanged(True)

    def _gotAway(self) -> None:
        self._away = True
        left = self._lostAt + self.settings.disconnectTimeout - self.reactor.seconds()
        self._disconnectTimer = self.reactor.callLater(max(0.0, left), self._disconnected)
        self.page.connectionChanged(False)

    def _disconnected(self) -> None:
        self._disconnectTimer = None
        self.page.gone(ConnectionLost(
            f"The page had no connection for {self.settings.disconnectTimeout:g} seconds."))

    # -- WebSocket hand-over ---------------------------------------------------------------

    def attachWebSocket(self, socket) -> None:
        """``socket`` now carries the page: answer what this transport holds and step aside."""
        old, self.webSocket = self.webSocket, socket
        self._contact()
        self._disarmDisconnect()
        waiting = [request for request, _ in self._due] + [self._unpark()]
        self._due = []
        for request in waiting:
            if request is not None:
                self._answer(request, False)  # whatever it carries is resent on the socket
        self.page.transport = socket
        if old is not None and old is not socket:
            old.supersede()

    def detachWebSocket(self, socket) -> None:
        """``socket`` closed: the page waits for a request or a socket again."""
        if self.webSocket is not socket:
            return
        self.webSocket = None
        if self.page.state is not PageState.GONE:
            self.page.transport = self
            self._armDisconnect()

    def _takeBack(self) -> None:
        socket, self.webSocket = self.webSocket, None
        self.page.transport = self
        socket.supersede()

    # -- requests --------------------------------------------------------------------------

    def requestReceived(self, request, envelope, resend: bool) -> None:
        """Process a validated envelope; the request is answered now, later, or parked."""
        if self.webSocket is not None:
            self._takeBack()
        self._contact()
        self._disarmDisconnect()
        page = self.page
        before = page.channel.ack
        heldBefore = page.channel.heldCount
        page.receive(envelope)
        if page.state is PageState.GONE and page.end.acknowledged:
            writeJSON(request, page.channel.encodedEnvelope())  # acknowledge and forget
            return
        if self._renderEnd(request):
            return
        carriedNew = page.channel.ack != before or page.channel.heldCount != heldBefore
        if not resend and page.channel.hasUnacked and self._lostAnswer(envelope, carriedNew):
            resend = True
        request.notifyFinish().addErrback(lambda _: self._requestLost(request))
        older = self._unpark()
        if resend:
            if older is not None:
                self._due.append((older, False))
            self._due.append((request, True))
        elif older is not None:
            self._due.append((older, False))
            self._park(request)
        elif (carriedNew or page.state is PageState.CLOSING
              or (page.channel.hasWaiting and not page.sendsLater)):
            self._due.append((request, False))
        else:
            self._park(request)  # what waits may go later (it settles, or the page is paced)
        if self._due:
            page._wake()

    def _renderEnd(self, request) -> bool:
        """If the page ended out of band, answer ``request`` with its end (the page is then
        freed); True if it did."""
        end = self.page.end
        if end is None or end.inBand:
            return False
        writeEnd(request, end)
        self.page.endRendered()
        return True

    def _lostAnswer(self, envelope, carriedNew: bool) -> bool:
        """Whether a request shows that the client lost an answer without noticing.

        Browsers retry a POST whose reused keep-alive connection broke before any answer
        arrived, and tell the page nothing, so it cannot ask for ``resend``.  The server
        holds unacknowledged messages; then a request carrying only messages it has already
        processed (their ack never reached the client), or a poll while no other request of
        the page is pending (a client polls only once it has every answer), means an answer
        was lost: it is treated as asking for ``resend`` (protocol.md 5.2).
        """
        if envelope[1]:
            return not carriedNew
        return self._parked is None and not self._due

    def _park(self, request) -> None:
        delay = self.lot.parkTime(self) if self.lot is not None else self.settings.idleTimeout
        timer = self.reactor.callLater(delay, self._idle, request)
        self._parked = (request, timer)

    def shortenPark(self, seconds: float) -> None:
        """Answer the parked request within ``seconds`` (its session is crowded)."""
        if self._parked is not None:
            timer = self._parked[1]
            if timer.active() and timer.getTime() > self.reactor.seconds() + seconds:
                timer.reset(seconds)

    def _unpark(self):
        if self._parked is None:
            return None
        request, timer = self._parked
        self._parked = None
        if self.lot is not None:
            self.lot.left(self)
        if timer.active():
            timer.cancel()
        return request

    def _idle(self, request) -> None:
        if self._parked is not None and self._parked[0] is request:
            self._unpark()
            self._answer(request, False)
            self._armDisconnect()

    def _requestLost(self, request) -> None:
        if self._parked is not None and self._parked[0] is request:
            self._unpark()
        self._due = [(r, resend) for r, resend in self._due if r is not request]
        self._armDisconnect()

    # -- answering -------------------------------------------------------------------------

    def flush(self) -> None:
        """Answer what is due, and the parked request if there is anything to send; if the
        page ended out of band, answer them all with its end."""
        page = self.page
        due, self._due = self._due, []
        if page.end is not None and not page.end.inBand:
            waiting = [request for request, _ in due] + [self._unpark()]
            waiting = [request for request in waiting if request is not None]
            for request in waiting:
                writeEnd(request, page.end)
            if waiting:
                page.endRendered()
            return
        for request, resend in due:
            self._answer(request, resend)
        if self._parked is not None and page.channel.hasWaiting:
            self._answer(self._unpark(), False)
        self._armDisconnect()

    def _answer(self, request, resend: bool) -> None:
        connection = getattr(request.channel, "transport", None)  # finish() lets go of it
        writeJSON(request, self.page.channel.encodedEnvelope(resend=resend))
        if connection is not None:
            self.page._flusher.answered(self.page, connection)

    def pageGone(self) -> None:
        """The page was freed: answer what is waiting with its end and stop every timer."""
        self._disarmDisconnect()
        for request in [r for r, _ in self._due] + [self._unpark()]:
            if request is not None:
                writeEnd(request, self.page.end)
        self._due = []
