"""The Python client's connection to its page: states, retries with backoff, refusals, close.

Tests: tests/unit/test_client.py, tests/unit/test_client_websocket.py,
tests/unit/test_delivery_faults.py, tests/integration/test_client_http.py.

``Transport`` is the twin of js/livefragments/transport.js.  It owns no sequencing (that is
the ``Channel``'s) and reads no calls (``deliver`` does): it moves envelopes through a driver
(``LongPollDriver``, or ``WebSocketDriver`` falling back to long-poll for good), recovers from
failures with a jittered backoff and a resend, and ends on a refusal or a close.  The drivers
use only its public methods (``received``, ``opened``, ``failed``, ``refused``, ...).
"""

from __future__ import annotations

import enum

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

from ._errors import ConnectionLost, LiveFragmentsError, ProtocolError, errorFromObject
from ._json import dumpb
from ._lpclient import LongPollDriver
from ._wsclient import WebSocketDriver, connectWebSocket

log = Logger()


class ClientState(enum.Enum):
    LIVE = "live"
    RECONNECTING = "reconnecting"
    EXPIRED = "expired"  # the server no longer knows the page: reload
    CLOSED = "closed"


#: Retry delays: full jitter over a cap that starts at 0.5 s and doubles up to 15 s.
BACKOFF_BASE = 0.5
BACKOFF_MAX = 15.0


def backoffDelay(attempt: int, random) -> float:
    """Seconds before retry number ``attempt`` (0 for the first); ``random()`` is in [0, 1)."""
    return random() * min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(attempt, 32))


def cookieHeader(cookies: dict) -> dict:
    """The ``cookie`` header of a request carrying ``cookies`` (none if there are none)."""
    if not cookies:
        return {}
    return {b"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()}


class Transport:
    """One ``LiveClient``'s connection to its page.

    ``deliver(action, args)`` runs a received ``call`` or ``respond`` (ProtocolError if it is
    malformed); ``onEnd(reason)`` is called once when the transport expires or closes.
    ``websocketURL`` (ws://...) makes it try the page's WebSocket first; ``preferWebSocket``
    without one records why long-poll is used.  ``connect(url, headers)`` opens a socket.
    """

    def __init__(self, reactor, http, channel, deliver, url: str, csrf: str, cookies: dict,
                 origin: str, clientTimeout: float, random, onEnd,
                 preferWebSocket: bool = False, websocketURL: str | None = None,
                 connect=None):
        self.reactor, self.http, self.channel = reactor, http, channel
        self.deliver, self.onEnd = deliver, onEnd
        self.url, self.csrf, self.cookies, self.origin = url, csrf, cookies, origin
        self.clientTimeout = clientTimeout
        self.state = ClientState.LIVE
        self.closeReason: Exception | None = None
        #: Why the WebSocket was given up for long-poll, if it was.
        self.fallbackReason: str | None = None
        #: Counters for tests and benchmarks.
        self.stats = {"requests": 0, "failures": 0, "resends": 0, "sockets": 0}
        self._random = random
        self._attempt = 0
        self._retryCall = None
        self._kickScheduled = False
        if preferWebSocket and websocketURL is None:
            self.fallbackReason = "The server offers no WebSocket endpoint."
        if preferWebSocket and websocketURL is not None:
            self.driver = WebSocketDriver(self, websocketURL, connect or (
                lambda u, h: connectWebSocket(reactor, u, h)))
        else:
            self.driver = LongPollDriver(self)

    @property
    def isLive(self) -> bool:
        return self.state is ClientState.LIVE or self.state is ClientState.RECONNECTING

    @property
    def kind(self) -> str:
        """"websocket" while the driver is the socket's (or tries it), else "longpoll"."""
        return self.driver.kind

    def cookieHeaders(self) -> dict:
        return cookieHeader(self.cookies)

    def post(self, envelope) -> Deferred:
        """POST ``envelope`` to the page's transport URL; fires with the HTTPResponse."""
        headers = {b"content-type": b"application/json", b"x-lf-csrf": self.csrf.encode(),
                   **self.cookieHeaders()}
        return self.http.request(b"POST", self.url, headers, dumpb(envelope))

    # -- for the client --------------------------------------------------------------------

    def send(self, action: str, args: list, key=None, encoded: bytes | None = None) -> None:
        """Queue a message; what is queued in one reactor turn goes out together."""
        self.channel.enqueue(action, args, key, encoded)
        self.kickSoon()

    def close(self) -> Deferred:
        """Close the page on the server (like a tab closing) and stop."""
        if not self.isLive:
            return succeed(None)
        self.channel.enqueue("close", [{"type": "Closed", "message": "The client closed."}])
        envelope = [self.channel.ack, self.channel.unacked() + self.channel.takeBatch()]
        d = self.sendFinal(envelope)
        self._finish(ClientState.CLOSED, ConnectionLost("The client closed the page."))
        return d

    # -- for the drivers -------------------------------------------------------------------

    def kickSoon(self) -> None:
        if not self._kickScheduled:
            self._kickScheduled = True
            self.reactor.callLater(0, self.kick)

    def kick(self) -> None:
        """Have the driver send what waits (unless a retry is waiting for its time)."""
        self._kickScheduled = False
        if self.isLive and self._retryCall is None:
            self.driver.kick()

    def received(self, envelope) -> bool:
        """Apply a server envelope and run its messages; False if that ended the transport."""
        try:
            for action, args in self.channel.receive(envelope):
                if action == "close":
                    self._closedByServer(args)
                    return False
                self.deliver(action, args)
        except ProtocolError as e:
            self.broken(e)
            return False
        return self.isLive

    def opened(self) -> None:
        """The driver has a working connection: the next failure starts the backoff afresh."""
        self._attempt = 0
        self.state = ClientState.LIVE

    def failed(self, reason: Exception) -> None:
        """A request or connection failed: retry after a backoff delay, resending."""
        if not self.isLive:
            return
        self.stats["failures"] += 1
        self.driver.abort()
        self.state = ClientState.RECONNECTING
        if self._retryCall is None:
            delay = backoffDelay(self._attempt, self._random)
            self._attempt += 1
            self._retryCall = self.reactor.callLater(delay, self._retry)

    def refused(self, status: int, errorObj) -> None:
        """The server refused a request (an HTTP status, or a WebSocket's status close)."""
        try:
            error = errorFromObject(errorObj)
        except LiveFragmentsError:
            error = ProtocolError(f"The server answered HTTP {status}.")
        if status in (404, 410):
            self._finish(ClientState.EXPIRED, error)
        elif status >= 500 or status == 408:
            self.failed(error)
        else:
            self._finish(ClientState.CLOSED, error)

    def upgradeFailed(self, reason: str) -> None:
        """The WebSocket could not be opened: long-poll from now on, resuming at once."""
        self.fallbackReason = reason
        self.driver = LongPollDriver(self, resume=True)
        self.kick()

    def broken(self, error: Exception) -> None:
        self._finish(ClientState.CLOSED, ProtocolError(f"The server broke the protocol: {error}"))

    def sendFinal(self, envelope) -> Deferred:
        """Send a last envelope without waiting for or retrying on its answer."""
        if self.driver.sendFinal(envelope):
            return succeed(None)
        d = self.post(envelope)
        return d.addErrback(lambda f: log.info("The final request failed: {f}", f=f.value))

    # -- internals -------------------------------------------------------------------------

    def _retry(self) -> None:
        self._retryCall = None
        self.kick()

    def _closedByServer(self, args) -> None:
        if not (type(args) is list and len(args) == 1):
            raise ProtocolError(f"A close must be [error]; got {args!r:.200}.")
        reason = errorFromObject(args[0])
        # Acknowledge the close so that the server can free the page at once.
        self.sendFinal([self.channel.ack, []])
        self._finish(ClientState.CLOSED, reason)

    def _finish(self, state: ClientState, reason: Exception) -> None:
        if not self.isLive:
            return
        self.closeReason = reason
        self.state = state
        if self._retryCall is not None:
            self._retryCall.cancel()
            self._retryCall = None
        self.driver.abort()
        self.onEnd(reason)
