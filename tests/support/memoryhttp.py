"""In-memory HTTP between ``livefragments.client`` and a real twisted.web ``Site``.

Each request is a real HTTP/1.1 exchange through the Site's ``HTTPChannel`` over a
``StringTransport``, so the server code under test is the production code; time is a ``Clock``.
``FaultyHTTP`` wraps it to drop, duplicate and delay requests and responses.
"""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionLost
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure

from livefragments.client import HTTPResponse


class _Transport(StringTransport):
    def __init__(self, onWrite):
        super().__init__(peerAddress=IPv4Address("TCP", "127.0.0.1", 50000),
                         hostAddress=IPv4Address("TCP", "127.0.0.1", 8080))
        self._onWrite = onWrite

    def write(self, data):
        super().write(data)
        self._onWrite()


def parseResponse(raw: bytes) -> HTTPResponse | None:
    """A complete HTTP response in ``raw``, or None while it is still incomplete."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return None
    head, rest = raw[:end].decode("latin-1").split("\r\n"), raw[end + 4:]
    code = int(head[0].split()[1])
    headers: dict[str, list[str]] = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if headers.get("transfer-encoding") == ["chunked"]:
        body, pos = b"", 0
        while True:
            eol = rest.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(rest[pos:eol], 16)
            if size == 0:
                return HTTPResponse(code, headers, body) if rest.find(b"\r\n", eol + 2) >= 0 else None
            if len(rest) < eol + 2 + size + 2:
                return None
            body += rest[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2
    length = int(headers.get("content-length", ["0"])[0])
    if len(rest) < length:
        return None
    return HTTPResponse(code, headers, rest[:length])


class MemoryHTTP:
    """``request(method, url, headers, body) -> Deferred[HTTPResponse]`` against ``site``."""

    def __init__(self, site):
        self.site = site
        self.open: list = []  # server-side channels with a request in progress
        self.transports: list = []  # the server side of every connection, in order

    def request(self, method: bytes, url: str, headers: dict, body: bytes | None) -> Deferred:
        path = url.split("://", 1)[-1]
        path = path[path.find("/"):] if "/" in path else "/"
        lines = [f"{method.decode()} {path} HTTP/1.1", "Host: 127.0.0.1:8080"]
        lines += [f"{k.decode()}: {v.decode('latin-1')}" for k, v in headers.items()]
        lines.append(f"Content-Length: {len(body or b'')}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")

        channel = self.site.buildProtocol(None)

        def cancel(d):
            self._drop(channel)

        d = Deferred(cancel)

        def onWrite():
            if d.called:
                return
            response = parseResponse(transport.value())
            if response is not None:
                self._done(channel)
                d.callback(response)

        transport = _Transport(onWrite)
        self.transports.append(transport)
        channel.makeConnection(transport)
        self.open.append(channel)
        channel.dataReceived(raw)
        return d

    def _done(self, channel) -> None:
        # The answer is complete; the connection simply idles (closing it here would re-enter
        # the channel in the middle of Request.finish).
        if channel in self.open:
            self.open.remove(channel)

    def _drop(self, channel) -> None:
        if channel in self.open:
            self.open.remove(channel)
            channel.connectionLost(Failure(ConnectionLost("dropped by the test")))

    def dropAll(self) -> int:
        """Cut every connection with a request in progress (the server sees them vanish)."""
        channels = list(self.open)
        for channel in channels:
            self._drop(channel)
        return len(channels)


class FaultyHTTP:
    """Wraps ``MemoryHTTP``; ``decide()`` picks a fault for each request.

    Faults: "dropRequest" (never reaches the server; the client's request fails),
    "dropResponse" (the server handles it, the answer is lost), "duplicate" (the server gets it
    twice; the client sees one answer), "delay" (reaches the server ``delay`` seconds later),
    or None.  ``counts`` records every fault injected, so tests can prove faults happened.
    """

    def __init__(self, inner: MemoryHTTP, clock, decide, delay: float = 0.3):
        self.inner, self.clock, self.decide, self.delay = inner, clock, decide, delay
        self.counts = {"dropRequest": 0, "dropResponse": 0, "duplicate": 0, "delay": 0}

    def request(self, method, url, headers, body) -> Deferred:
        fault = self.decide() if method == b"POST" else None
        if fault is not None:
            self.counts[fault] += 1
        if fault == "dropRequest":
            d = Deferred()
            self.clock.callLater(self.delay, lambda: d.called or d.errback(
                ConnectionLost("request dropped by the test")))
            return d
        if fault == "duplicate":
            self.inner.request(method, url, headers, body)  # its answer goes nowhere
            return self.inner.request(method, url, headers, body)
        if fault == "delay":
            result = Deferred(lambda _: None)
            def go():
                if not result.called:
                    self.inner.request(method, url, headers, body).chainDeferred(result)
            self.clock.callLater(self.delay, go)
            return result
        d = self.inner.request(method, url, headers, body)
        if fault == "dropResponse":
            lost = Deferred()
            d.addBoth(lambda _: lost.called or lost.errback(
                ConnectionLost("response dropped by the test")))
            return lost
        return d
