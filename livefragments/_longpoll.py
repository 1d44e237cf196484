"""The long-poll transport of one page: parking, answering, timeouts.

Tests: tests/unit/test_longpoll.py.  Rules: docs/protocol.md section 5.2 and 5.3.
"""

from __future__ import annotations

from ._errors import ConnectionLost, ProtocolError
from ._http import writeError, writeJSON
from ._page import PageState


class LongPollTransport:
    """Holds at most one parked request of a page and answers requests per section 5.2."""

    def __init__(self, page, reactor):
        self.page = page
        self.reactor = reactor
        self.settings = page.settings
        self._parked = None  # (request, idle timer)
        self._due: list = []  # (request, resend) answered at the end of this reactor turn
        self._disconnectTimer = None
        page.transport = self
        self._armDisconnect()

    # -- timers ----------------------------------------------------------------------------

    def _armDisconnect(self) -> None:
        if self._disconnectTimer is None and self._parked is None and not self._due:
            self._disconnectTimer = self.reactor.callLater(
                self.settings.disconnectTimeout, self._disconnected)

    def _disarmDisconnect(self) -> None:
        if self._disconnectTimer is not None:
            self._disconnectTimer.cancel()
            self._disconnectTimer = None

    def _disconnected(self) -> None:
        self._disconnectTimer = None
        self.page.gone(ConnectionLost(
            f"The page had no connection for {self.settings.disconnectTimeout:g} seconds."))

    # -- requests --------------------------------------------------------------------------

    def requestReceived(self, request, envelope, resend: bool) -> None:
        """Process a validated envelope; the request is answered now, later, or parked.

        A protocol fault is answered 400 (and, if it broke the page, the page is gone).
        """
        self._disarmDisconnect()
        page = self.page
        before = page.channel.ack
        heldBefore = len(page.channel.held)
        try:
            page.receive(envelope)
        except ProtocolError as e:
            writeError(request, 400, e.type, e.message, reload=page.aborted)
            if page.aborted:
                page.gone(e)
            else:
                self._armDisconnect()
            return
        if page.aborted:
            self._answerAborted(request)
            return
        if page.state is PageState.GONE:  # the client closed it: acknowledge and forget
            writeJSON(request, page.channel.encodedEnvelope())
            return
        carriedNew = page.channel.ack != before or len(page.channel.held) != heldBefore
        request.notifyFinish().addErrback(lambda _: self._requestLost(request))
        older = self._unpark()
        if resend:
            if older is not None:
                self._due.append((older, False))
            self._due.append((request, True))
        elif older is not None:
            self._due.append((older, False))
            self._park(request)
        elif carriedNew or page.channel.hasWaiting or page.state is PageState.CLOSING:
            self._due.append((request, False))
        else:
            self._park(request)
        if self._due or page.channel.hasWaiting:
            page._wake()

    def _park(self, request) -> None:
        timer = self.reactor.callLater(self.settings.idleTimeout, self._idle, request)
        self._parked = (request, timer)

    def _unpark(self):
        if self._parked is None:
            return None
        request, timer = self._parked
        self._parked = None
        if timer.active():
            timer.cancel()
        return request

    def _idle(self, request) -> None:
        if self._parked is not None and self._parked[0] is request:
            self._parked = None
            self._answer(request, False)
            self._armDisconnect()

    def _requestLost(self, request) -> None:
        if self._parked is not None and self._parked[0] is request:
            self._unpark()
        self._due = [(r, resend) for r, resend in self._due if r is not request]
        self._armDisconnect()

    # -- answering -------------------------------------------------------------------------

    def flush(self) -> None:
        """Answer what is due, and the parked request if there is anything to send."""
        page = self.page
        if page.aborted:
            for request, _ in self._due:
                self._answerAborted(request)
            self._due = []
            parked = self._unpark()
            if parked is not None:
                self._answerAborted(parked)
            return
        due, self._due = self._due, []
        for request, resend in due:
            self._answer(request, resend)
        if self._parked is not None and page.channel.hasWaiting:
            self._answer(self._unpark(), False)
        if page.state is PageState.CLOSING and not page.channel.hasUnacked \
                and not page.channel.hasWaiting:
            page.gone(page.closeReason)
            return
        self._armDisconnect()

    def _answer(self, request, resend: bool) -> None:
        writeJSON(request, self.page.channel.encodedEnvelope(resend=resend))

    def _answerAborted(self, request) -> None:
        reason = self.page.closeReason
        writeError(request, 410, reason.type, reason.message, reload=True)
        self.page.gone(reason)

    def pageGone(self) -> None:
        """The page was freed: answer what is waiting and stop every timer."""
        self._disarmDisconnect()
        reason = self.page.closeReason
        for request in [r for r, _ in self._due] + [self._unpark()]:
            if request is not None:
                if reason is None:
                    writeError(request, 404, "NoSuchPage",
                               "This page is no longer live on the server; reload it.", True)
                else:
                    writeError(request, 410, reason.type, reason.message, reload=True)
        self._due = []
