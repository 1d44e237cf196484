"""A Python client of live pages, speaking docs/protocol.md over HTTP long-poll or WebSocket.

Tests: tests/integration/test_client_http.py, tests/unit/test_delivery_faults.py,
tests/unit/test_client_websocket.py.

Tests, benchmarks and scripts use it to be a browser without a browser::

    client = await LiveClient.open(reactor, "http://127.0.0.1:8080/demo/")
    counter = client.widgetsByClass("demo/counter.js:Counter")[0]
    value = await counter.callRemote("increment")

The server may call exposed methods of ``ClientWidget`` subclasses registered per ``jsClass``.
``LiveClient.open(..., transport="websocket")`` uses the page's WebSocket endpoint and falls
back to long-poll when the upgrade fails.
"""

from __future__ import annotations

import enum
import random
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

from twisted.internet.defer import Deferred, ensureDeferred, fail, succeed
from twisted.logger import Logger

from ._channel import Channel
from ._clienthttp import AgentHTTP, HTTPResponse
from ._codec import decode, encode
from ._errors import (
    ConnectionLost,
    LiveFragmentsError,
    NoSuchMethod,
    NoSuchWidget,
    ProtocolError,
    errorFromObject,
    errorObject,
)
from ._expose import expose, exposedMethod
from ._json import dumpb, loads
from ._plainhttp import PlainHTTP
from ._wsclient import WebSocketDriver
from ._wsclient import connectWebSocket as _connectWebSocket

log = Logger()

__all__ = ["AgentHTTP", "ClientState", "ClientWidget", "HTTPResponse", "LiveClient", "PlainHTTP",
           "httpFor"]


class ClientState(enum.Enum):
    LIVE = "live"
    RECONNECTING = "reconnecting"
    EXPIRED = "expired"  # the server no longer knows the page: reload
    CLOSED = "closed"


class ClientWidget:
    """The client half of a widget; subclass and ``@expose`` what the server may call."""

    def __init__(self, client: LiveClient, description: dict):
        self.client = client
        self.id: int = description["id"]
        self.jsClass: str = description["jsClass"]
        self.parentId: int | None = description.get("parent")
        self.args: list = description.get("args", [])
        self.markup: str | None = description.get("markup")

    def callRemote(self, method: str, *args, **kwargs) -> Deferred:
        return self.client.callRemote(self.id, method, *args, **kwargs)

    @property
    def children(self) -> list[ClientWidget]:
        return [w for w in self.client.widgets.values() if w.parentId == self.id]

    def detach(self) -> Deferred:
        self.client._forget(self.id)
        return self.client.callRemote(0, "detachWidget", self.id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.jsClass}>"


class _PageWidget(ClientWidget):
    @expose
    def detachWidget(self, widgetId: int) -> None:
        self.client._forget(widgetId)


class _BootParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.boot: str | None = None
        self._inBoot = False

    def handle_starttag(self, tag, attrs):
        self._inBoot = tag == "script" and ("id", "lf-boot") in attrs

    def handle_data(self, data):
        if self._inBoot:
            self.boot = (self.boot or "") + data

    def handle_endtag(self, tag):
        self._inBoot = False


class LiveClient:
    """One live page, driven from Python.  Create it with ``LiveClient.open``."""

    def __init__(self, reactor, http, url: str, boot: dict, cookies: dict,
                 widgetClasses: dict | None = None, random=random.random,
                 transport: str = "longpoll", connectWebSocket=None):
        self.reactor = reactor
        self.http = http
        self.url = url
        self.boot = boot
        self.cookies = cookies
        self.clientId: str = boot["clientId"]
        self.settings: dict = boot["settings"]
        self.transportURL = urljoin(url, boot["transport"])
        self.origin = originOf(url)
        self.state = ClientState.LIVE
        self.channel = Channel()
        self.widgetClasses = widgetClasses or {}
        self.widgets: dict[int, ClientWidget] = {}
        self.closeReason: Exception | None = None
        #: Counters for tests and benchmarks.
        self.stats = {"requests": 0, "failures": 0, "resends": 0, "sockets": 0}
        #: Why the WebSocket was given up for long-poll, if it was.
        self.fallbackReason: str | None = None
        self._random = random
        self._pending: dict[int, Deferred] = {}
        self._nextCallId = 0
        self._inflight: set[Deferred] = set()
        self._carrying: int | None = None  # highest seq of ours in flight, unacknowledged
        self._resend = False
        self._backoff = 0
        self._retryCall = None
        self._kickScheduled = False
        if transport not in ("longpoll", "websocket"):
            raise ValueError(f"transport must be 'longpoll' or 'websocket', not {transport!r}.")
        self._ws: WebSocketDriver | None = None
        if transport == "websocket":
            if boot.get("websocket"):
                address = urljoin(url, boot["websocket"]).replace("http://", "ws://", 1)
                self._ws = WebSocketDriver(self, address, connectWebSocket or (
                    lambda u, h: _connectWebSocket(reactor, u, h)))
            else:
                self.fallbackReason = "The server offers no WebSocket endpoint."
        for description in boot["widgets"]:
            self._addWidget(description)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    async def open(cls, reactor, url: str, http=None, widgetClasses: dict | None = None,
                   cookies: dict | None = None, random=random.random,
                   transport: str = "longpoll", connectWebSocket=None) -> LiveClient:
        """Load the page at ``url``, learn its widgets, and start its transport.

        ``transport="websocket"`` carries the page over its WebSocket endpoint (falling back
        to long-poll if the upgrade fails); ``connectWebSocket(url, headers)`` replaces the
        TCP connector (tests pass an in-memory one).
        """
        http = http or httpFor(reactor, url)
        cookies = dict(cookies or {})
        response = await http.request(b"GET", url, _cookieHeader(cookies), None)
        if response.code != 200:
            raise LiveFragmentsError(f"Loading {url} answered HTTP {response.code}.")
        for header in response.headers.get("set-cookie", []):
            for name, morsel in SimpleCookie(header).items():
                cookies[name] = morsel.value
        parser = _BootParser()
        parser.feed(response.body.decode("utf-8"))
        if parser.boot is None:
            raise ProtocolError(f"{url} is not a live page: it has no lf-boot block.")
        client = cls(reactor, http, url, loads(parser.boot), cookies, widgetClasses, random,
                     transport, connectWebSocket)
        client._kick()
        return client

    def _addWidget(self, description: dict) -> ClientWidget:
        if description["id"] == 0:
            cls = _PageWidget
        else:
            cls = self.widgetClasses.get(description["jsClass"], ClientWidget)
        widget = cls(self, description)
        self.widgets[widget.id] = widget
        for child in description.get("children", ()):
            self._addWidget(child)
        return widget

    def _forget(self, widgetId: int) -> None:
        doomed = [widgetId]
        while doomed:
            wid = doomed.pop()
            if self.widgets.pop(wid, None) is not None:
                doomed.extend(w.id for w in self.widgets.values() if w.parentId == wid)

    def widgetsByClass(self, jsClass: str) -> list[ClientWidget]:
        return [w for w in self.widgets.values() if w.jsClass == jsClass]

    # -- calls -----------------------------------------------------------------------------

    def callRemote(self, widgetId: int, method: str, *args, **kwargs) -> Deferred:
        if self.state not in (ClientState.LIVE, ClientState.RECONNECTING):
            return fail(ConnectionLost(f"The page is {self.state.value}; {method!r} was not sent."))
        callId = self._nextCallId
        self._nextCallId += 1
        d = Deferred()
        self._pending[callId] = d
        self._send("call", [callId, widgetId, method, self._encode(list(args)),
                            self._encode(kwargs)])
        return d

    def _send(self, action: str, args: list) -> None:
        self.channel.enqueue(action, args)
        self._kickSoon()

    def _encode(self, value):
        return encode(value, lambda v: {"__lf__": "ref", "id": v.id}
                      if isinstance(v, ClientWidget) else None)

    def _decode(self, value):
        return decode(value, self._readTag)

    def _readTag(self, tag: str, value: dict):
        if tag == "widget":
            return self._addWidget(value)
        if tag == "ref":
            return self.widgets.get(value.get("id"))
        raise ProtocolError(f"Unknown tagged value {tag!r}.")

    def _dispatch(self, action: str, args: list) -> None:
        if action == "respond":
            callId, ok, value = args
            d = self._pending.pop(callId, None)
            if d is None:
                raise ProtocolError(f"The server answered call {callId}, which is not pending.")
            d.callback(self._decode(value)) if ok else d.errback(errorFromObject(value))
        elif action == "call":
            self._handleCall(*args)
        elif action == "close":
            # Acknowledge the close so that the server can free the page at once.
            self._sendFinal([self.channel.ack, []])
            self._end(ClientState.CLOSED, errorFromObject(args[0]))
        else:
            raise ProtocolError(f"{action!r} is not an action of this protocol.")

    def _handleCall(self, callId, widgetId, method, args, kwargs) -> None:
        widget = self.widgets.get(widgetId)
        try:
            if widget is None:
                raise NoSuchWidget(f"There is no widget {widgetId} in this client.")
            function = exposedMethod(widget, method)
            if function is None:
                raise NoSuchMethod(f"Widget {widgetId} ({widget.jsClass}) has no method {method!r}.")
            result = function(*self._decode(args), **self._decode(kwargs))
            d = result if isinstance(result, Deferred) else (
                ensureDeferred(result) if hasattr(result, "__await__") else succeed(result))
        except Exception as e:
            d = fail(e)
        if callId is None:
            d.addErrback(lambda f: log.failure("Server notification {m!r} failed", f, m=method))
            return
        d.addCallbacks(
            lambda value: self._live() and self._send("respond", [callId, True, self._encode(value)]),
            lambda f: self._live() and self._send("respond", [callId, False, errorObject(f.value)]))

    def _live(self) -> bool:
        return self.state in (ClientState.LIVE, ClientState.RECONNECTING)

    # -- transport -------------------------------------------------------------------------

    def _kickSoon(self) -> None:
        if not self._kickScheduled:
            self._kickScheduled = True
            self.reactor.callLater(0, self._kick)

    @property
    def transportKind(self) -> str:
        """"websocket" while the client uses (or tries) its socket, else "longpoll"."""
        return "longpoll" if self._ws is None else "websocket"

    def _kick(self) -> None:
        """Open the requests the state calls for (at most two; one carrying messages)."""
        self._kickScheduled = False
        if not self._live() or self._retryCall is not None:
            return
        if self._ws is not None:
            self._ws.kick()
            return
        if self._resend:
            if not self._inflight:
                self._request(resend=True)
            return
        if self.channel.hasWaiting and self._carrying is None and len(self._inflight) < 2:
            self._request()
        if not self._inflight:
            self._request()

    def _request(self, resend: bool = False) -> None:
        envelope = [self.channel.ack, self.channel.takeBatch()]
        if resend:
            envelope[1] = self.channel.unacked()
            envelope.append({"resend": True})
            self.stats["resends"] += 1
        if envelope[1]:
            self._carrying = envelope[1][-1][0]
        self.stats["requests"] += 1
        d = self.http.request(b"POST", self.transportURL, self._transportHeaders(),
                              dumpb(envelope))
        self._inflight.add(d)
        timer = self.reactor.callLater(self.settings["clientTimeout"], d.cancel)
        d.addBoth(self._settled, d, timer)
        d.addCallbacks(self._answered, self._failed, callbackArgs=(resend,))

    def _settled(self, result, d, timer):
        self._inflight.discard(d)
        if timer.active():
            timer.cancel()
        return result

    def _answered(self, response: HTTPResponse, wasResend: bool) -> None:
        if not self._live():
            return
        if response.code != 200:
            return self._refused(response)
        try:
            envelope = loads(response.body)
        except ProtocolError as e:
            return self._broken(e)
        if not self._process(envelope):
            return
        # With nothing else in flight, a gap up to the server's "last" means a lost answer.
        missing = not self._inflight and self.channel.missing
        if missing and wasResend:  # asked, and still missing: back off rather than spin
            return self._failed(ProtocolError("A resend left messages missing."))
        self._resend = missing
        self._backoff = 0
        self.state = ClientState.LIVE
        self._kick()

    def _process(self, envelope) -> bool:
        """Apply a server envelope and run its messages; False if that ended the client."""
        try:
            for action, args in self.channel.receive(envelope):
                self._dispatch(action, args)
        except (ProtocolError, ValueError, TypeError) as e:
            self._broken(e)
            return False
        if not self.channel.hasUnacked:
            self._carrying = None  # everything we carried was acknowledged
        return self._live()

    def _broken(self, error: Exception) -> None:
        self._end(ClientState.CLOSED, ProtocolError(f"The server broke the protocol: {error}"))

    def _refused(self, response: HTTPResponse) -> None:
        try:
            errorObj = loads(response.body)["error"]
        except (LiveFragmentsError, KeyError, TypeError):
            errorObj = None
        self._refusedWith(response.code, errorObj)

    def _refusedWith(self, code: int, errorObj) -> None:
        """The server refused a request (an HTTP status, or a WebSocket's status close)."""
        try:
            error = errorFromObject(errorObj)
        except LiveFragmentsError:
            if self._ws is not None:
                # A socket's status close without its error frame: retrying learns the rest.
                return self._failed(ProtocolError(f"The WebSocket closed with status {code}."))
            error = ProtocolError(f"The server answered HTTP {code}.")
        if code in (404, 410):
            self._end(ClientState.EXPIRED, error)
        elif code >= 500 or code == 408:
            self._failed(error)
        else:
            self._end(ClientState.CLOSED, error)

    def _opened(self) -> None:
        """The WebSocket is open and greeted: the client is live."""
        self._backoff = 0
        self._resend = False
        self.state = ClientState.LIVE
        self._kickSoon()

    def _fallBack(self, reason: str) -> None:
        """The WebSocket could not be opened: long-poll from now on, resuming at once."""
        self._ws = None
        self.fallbackReason = reason
        self._resend = True
        self._kick()

    def _failed(self, failure) -> None:
        if not self._live():
            return
        self.stats["failures"] += 1
        # The answer may have been lost: ask for everything again, after a jittered backoff.
        self._resend = True
        self._carrying = None
        for other in list(self._inflight):
            other.cancel()
        if self._ws is not None:
            self._ws.abort()
        self.state = ClientState.RECONNECTING
        if self._retryCall is None:
            delay = min(15.0, 0.5 * 2 ** self._backoff) * self._random()
            self._backoff += 1
            self._retryCall = self.reactor.callLater(delay, self._retry)

    def _retry(self) -> None:
        self._retryCall = None
        self._kick()

    def _end(self, state: ClientState, reason: Exception) -> None:
        if not self._live():
            return
        self.closeReason = reason
        self.state = state
        if self._retryCall is not None:
            self._retryCall.cancel()
            self._retryCall = None
        for d in list(self._inflight):
            d.cancel()
        if self._ws is not None:
            self._ws.abort()
        pending, self._pending = self._pending, {}
        for d in pending.values():
            d.errback(ConnectionLost(f"The page ended before the answer: {reason}"))

    def close(self) -> Deferred:
        """Close the page on the server (like a tab closing) and stop."""
        if not self._live():
            return succeed(None)
        self.channel.enqueue("close", [{"type": "Closed", "message": "The client closed."}])
        envelope = [self.channel.ack, self.channel.unacked() + self.channel.takeBatch()]
        d = self._sendFinal(envelope)
        self._end(ClientState.CLOSED, ConnectionLost("The client closed the page."))
        return d

    def _sendFinal(self, envelope) -> Deferred:
        """Send a last envelope without waiting for or retrying on its answer."""
        if self._ws is not None and self._ws.sendFinal(envelope):
            return succeed(None)
        d = self.http.request(b"POST", self.transportURL, self._transportHeaders(),
                              dumpb(envelope))
        return d.addErrback(lambda f: log.info("The final request failed: {f}", f=f.value))

    def _transportHeaders(self) -> dict:
        return {b"content-type": b"application/json", b"x-lf-csrf": self.boot["csrf"].encode(),
                **self._cookieHeaders()}

    def _cookieHeaders(self) -> dict:
        return _cookieHeader(self.cookies)


def _cookieHeader(cookies: dict) -> dict:
    if not cookies:
        return {}
    return {b"cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()).encode()}


def originOf(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def httpFor(reactor, url: str):
    """The HTTP client for ``url``: the lean ``PlainHTTP``, or ``AgentHTTP`` for https."""
    return AgentHTTP(reactor) if url.startswith("https:") else PlainHTTP(reactor)
