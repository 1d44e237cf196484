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

``LiveClient`` loads the page and keeps its widgets; the calls both ways are an ``Rpc`` and an
``RpcHost`` (as on the server), and the connection is a ``Transport`` (_clienttransport.py).
"""

from __future__ import annotations

import random
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

from twisted.internet.defer import Deferred

from ._channel import Channel
from ._clienthttp import AgentHTTP, HTTPResponse
from ._clienttransport import ClientState, Transport, backoffDelay, cookieHeader
from ._codec import decode, encode
from ._errors import LiveFragmentsError, ProtocolError
from ._expose import expose
from ._json import loads
from ._mistakes import MistakeLog
from ._plainhttp import PlainHTTP
from ._rpc import Rpc
from ._rpchost import RpcHost

__all__ = ["AgentHTTP", "ClientState", "ClientWidget", "HTTPResponse", "LiveClient", "PlainHTTP",
           "Transport", "backoffDelay", "httpFor"]


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

    def notifyRemote(self, method: str, *args) -> bool:
        return self.client.notifyRemote(self.id, method, *args)

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
        if transport not in ("longpoll", "websocket"):
            raise ValueError(f"transport must be 'longpoll' or 'websocket', not {transport!r}.")
        self.reactor = reactor
        self.http = http
        self.url = url
        self.boot = boot
        self.cookies = cookies
        self.clientId: str = boot["clientId"]
        self.settings: dict = boot["settings"]
        self.transportURL = urljoin(url, boot["transport"])
        self.origin = originOf(url)
        self.channel = Channel()
        self.widgetClasses = widgetClasses or {}
        self.widgets: dict[int, ClientWidget] = {}
        #: The server's mistakes (calls refused here), logged rate-limited.
        self.mistakes = MistakeLog(reactor, f"The client of page {self.clientId}")
        self.rpc = Rpc(self._send, lambda value, parent: self._encode(value), self._decode)
        self.rpcHost = RpcHost(self.widgets.get, self._decode,
                               lambda value, widget: self._encode(value), self._send,
                               lambda: self.transport.isLive, self.mistakes, "the client's log")
        websocketURL = None
        if transport == "websocket" and boot.get("websocket"):
            websocketURL = urljoin(url, boot["websocket"]).replace("http://", "ws://", 1)
        self.transport = Transport(
            reactor, http, self.channel, self._deliver, self.transportURL, boot["csrf"],
            cookies, self.origin, self.settings["clientTimeout"], random, self.rpc.failAll,
            preferWebSocket=transport == "websocket", websocketURL=websocketURL,
            connect=connectWebSocket)
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
        response = await http.request(b"GET", url, cookieHeader(cookies), None)
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
        client.transport.kick()
        return client

    # -- the connection --------------------------------------------------------------------

    @property
    def state(self) -> ClientState:
        return self.transport.state

    @property
    def closeReason(self) -> Exception | None:
        return self.transport.closeReason

    @property
    def stats(self) -> dict:
        """Counters for tests and benchmarks: requests, failures, resends, sockets."""
        return self.transport.stats

    @property
    def fallbackReason(self) -> str | None:
        """Why the WebSocket was given up for long-poll, if it was."""
        return self.transport.fallbackReason

    @property
    def transportKind(self) -> str:
        """"websocket" while the client uses (or tries) its socket, else "longpoll"."""
        return self.transport.kind

    def close(self) -> Deferred:
        """Close the page on the server (like a tab closing) and stop."""
        return self.transport.close()

    # -- widgets ---------------------------------------------------------------------------

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
        """Call ``method`` of the server's widget ``widgetId``; fires with its answer."""
        return self.rpc.call(widgetId, method, list(args), kwargs)

    def notifyRemote(self, widgetId: int, method: str, *args) -> bool:
        """Call ``method`` without wanting an answer; False once the page has ended."""
        return self.rpc.notify(widgetId, method, list(args))

    def _send(self, action: str, args: list, key=None, encoded: bytes | None = None) -> None:
        self.transport.send(action, args, key, encoded)

    def _deliver(self, action: str, args) -> None:
        if action == "call":
            self.rpcHost.called(args)
        elif action == "respond":
            self.rpc.answered(args)
        else:
            raise ProtocolError(f"{action!r} is not an action of this protocol.")

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


def originOf(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def httpFor(reactor, url: str):
    """The HTTP client for ``url``: the lean ``PlainHTTP``, or ``AgentHTTP`` for https."""
    return AgentHTTP(reactor) if url.startswith("https:") else PlainHTTP(reactor)
