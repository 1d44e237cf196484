"""``PlainHTTP``: the Python client's HTTP/1.1 over plain TCP, lean enough to play 500 viewers.

Tests: tests/integration/test_plainhttp.py, tests/integration/test_client_http.py.

The live-page traffic is small POSTs on a few persistent connections, one request at a time on
each.  ``twisted.web.client.Agent`` spends most of a viewer's CPU on its generality (endpoint,
pool and producer machinery, about four fifths of a benchmark viewer process under py-spy).
This speaks just that: a request written in one piece, an answer framed by Content-Length,
chunked encoding or the end of the connection.  ``https`` URLs need ``AgentHTTP``.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from twisted.internet.defer import Deferred, gatherResults
from twisted.internet.endpoints import HostnameEndpoint, connectProtocol
from twisted.internet.error import ConnectionDone
from twisted.internet.protocol import Protocol

from ._clienthttp import HTTPResponse
from ._tcp import setNoDelay

#: Longest status line plus headers accepted from a server.
MAX_HEAD = 64 * 1024


class HTTPProtocolError(Exception):
    """The server's answer is not HTTP/1.1 as this client reads it."""


@functools.lru_cache(maxsize=256)  # a client asks the same few URLs over and over
def _target(method: bytes, url: str) -> tuple[tuple[str, int], bytes]:
    """((host, port), the request line and Host header) of ``url``."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ValueError(f"PlainHTTP speaks http, not {parts.scheme!r}; use AgentHTTP.")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    start = b"%s %s HTTP/1.1\r\nHost: %s" % (method, target.encode("ascii"),
                                              parts.netloc.encode("ascii"))
    return (parts.hostname or "", parts.port or 80), start


class PlainHTTP:
    """``request(method, url, headers, body)`` -> ``Deferred[HTTPResponse]``; cancelling it
    drops its connection.  Idle connections are kept, at most ``maxPerHost`` per host."""

    def __init__(self, reactor, maxPerHost: int = 4):
        self.reactor = reactor
        self.maxPerHost = maxPerHost
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._all: set[_Connection] = set()

    def request(self, method: bytes, url: str, headers: dict, body: bytes | None) -> Deferred:
        (host, port), start = _target(method, url)
        head = [start]
        for name, value in headers.items():
            head.append(_bytes(name) + b": " + _bytes(value))
        if body is not None or method == b"POST":
            head.append(b"Content-Length: %d" % len(body or b""))
        data = b"\r\n".join(head) + b"\r\n\r\n" + (body or b"")
        exchange = _Exchange(method, data)
        idle = self._idle.get((host, port))
        if idle:
            idle.pop().send(exchange, reused=True)
        else:
            self._connect((host, port), exchange)
        return exchange.done

    def _connect(self, key: tuple[str, int], exchange: _Exchange) -> None:
        connection = _Connection(self, key)
        self._all.add(connection)
        exchange.connecting = connectProtocol(HostnameEndpoint(self.reactor, *key), connection)

        def failed(failure):
            self._all.discard(connection)
            exchange.fail(failure)

        exchange.connecting.addCallbacks(lambda _: connection.send(exchange), failed)

    def _retry(self, exchange: _Exchange, key: tuple[str, int]) -> None:
        # A kept connection the server closed cleanly (its idle timeout) as our request went
        # out, with no answer: send it again on a new one, as Agent does. A live-page envelope
        # is safe to send twice (its sequence numbers make the repeat a duplicate). A reset
        # connection is a failure the caller sees.
        exchange.connection = None
        self._connect(key, exchange)

    def _release(self, connection: _Connection) -> None:
        idle = self._idle.setdefault(connection.key, [])
        if len(idle) < self.maxPerHost:
            idle.append(connection)
        else:
            connection.transport.loseConnection()

    def _gone(self, connection: _Connection) -> None:
        self._all.discard(connection)
        idle = self._idle.get(connection.key)
        if idle and connection in idle:
            idle.remove(connection)

    def close(self) -> Deferred:
        """Close every connection; fires once they are all closed."""
        live = [c for c in self._all if c.transport is not None]
        for connection in live:
            connection.transport.loseConnection()
        return gatherResults([c.closed for c in live]).addCallback(lambda _: None)


class _Exchange:
    """One request's answer as it arrives."""

    def __init__(self, method: bytes, data: bytes):
        self.method, self.data = method, data
        self.connection: _Connection | None = None
        self.connecting: Deferred | None = None
        self.done = Deferred(self._cancel)

    def _cancel(self, _d) -> None:
        if self.connecting is not None and not self.connecting.called:
            self.connecting.cancel()
        elif self.connection is not None and self.connection.transport is not None:
            self.connection.exchange = None
            self.connection.transport.abortConnection()

    def fail(self, failure) -> None:
        if not self.done.called:
            self.done.errback(failure)


class _Connection(Protocol):
    def __init__(self, owner: PlainHTTP, key: tuple[str, int]):
        self.owner, self.key = owner, key
        self.exchange: _Exchange | None = None
        self.closed = Deferred()
        self._reset()

    def _reset(self) -> None:
        self._buffer = b""
        self._code = None
        self._headers: dict[str, list[str]] = {}
        self._length: int | None = None  # None: until the connection closes
        self._chunked = False
        self._parts: list[bytes] = []
        self._keep = True
        self._reused = False
        self._heard = False  # any byte of the answer arrived

    def connectionMade(self) -> None:
        setNoDelay(self.transport)

    def send(self, exchange: _Exchange, reused: bool = False) -> None:
        if exchange.done.called:  # cancelled while connecting
            self.owner._release(self)
            return
        self.exchange, exchange.connection = exchange, self
        self._reset()
        self._reused = reused
        self.transport.write(exchange.data)

    def dataReceived(self, data: bytes) -> None:
        if self.exchange is None:
            self.transport.abortConnection()  # an answer nobody asked for
            return
        self._buffer += data
        self._heard = True
        try:
            if self._code is None and not self._readHead():
                return
            self._readBody()
        except HTTPProtocolError as e:
            exchange, self.exchange = self.exchange, None
            self.transport.abortConnection()
            exchange.fail(e)

    def _readHead(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise HTTPProtocolError("The answer's headers are too long.")
            return False
        lines = self._buffer[:end].decode("latin-1").split("\r\n")
        self._buffer = self._buffer[end + 4:]
        status = lines[0].split(" ", 2)
        if len(status) < 2 or not status[0].startswith("HTTP/1.") or not status[1].isdigit():
            raise HTTPProtocolError(f"{lines[0]!r:.80} is not an HTTP/1.1 status line.")
        self._code = int(status[1])
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise HTTPProtocolError(f"{line!r:.80} is not a header line.")
            self._headers.setdefault(name.strip().lower(), []).append(value.strip())
        get = self._headers.get
        self._keep = status[0] == "HTTP/1.1" and "close" not in (get("connection") or [""])[0].lower()
        if self.exchange.method == b"HEAD" or self._code in (204, 304) or 100 <= self._code < 200:
            self._length = 0
        elif "chunked" in (get("transfer-encoding") or [""])[0].lower():
            self._chunked = True
        elif get("content-length"):
            try:
                self._length = int(get("content-length")[0])
            except ValueError:
                raise HTTPProtocolError("The answer's Content-Length is not a number.")
        else:
            self._keep = False
        return True

    def _readBody(self) -> None:
        if self._chunked:
            while True:
                end = self._buffer.find(b"\r\n")
                if end < 0:
                    return
                try:
                    size = int(self._buffer[:end].split(b";")[0], 16)
                except ValueError:
                    raise HTTPProtocolError("A chunk size is not a hexadecimal number.")
                if size == 0:
                    trailer = self._buffer.find(b"\r\n\r\n", end)
                    if trailer < 0:
                        return
                    self._buffer = self._buffer[trailer + 4:]
                    return self._finish()
                if len(self._buffer) < end + 2 + size + 2:
                    return
                self._parts.append(self._buffer[end + 2:end + 2 + size])
                self._buffer = self._buffer[end + 2 + size + 2:]
        if self._length is not None and len(self._buffer) >= self._length:
            self._parts.append(self._buffer[:self._length])
            self._buffer = b""
            self._finish()

    def _finish(self) -> None:
        exchange, self.exchange = self.exchange, None
        response = HTTPResponse(self._code, self._headers, b"".join(self._parts))
        if self._keep:
            self.owner._release(self)
        else:
            self.transport.loseConnection()
        exchange.done.callback(response)

    def connectionLost(self, reason) -> None:
        self.owner._gone(self)
        exchange, self.exchange = self.exchange, None
        if exchange is not None:
            if (self._reused and not self._heard and not exchange.done.called
                    and reason.check(ConnectionDone)):
                self.owner._retry(exchange, self.key)
            elif self._code is not None and self._length is None and not self._chunked:
                self._parts.append(self._buffer)  # framed by the end of the connection
                exchange.done.callback(HTTPResponse(self._code, self._headers,
                                                    b"".join(self._parts)))
            else:
                exchange.fail(reason)
        self.closed.callback(None)


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("latin-1")
