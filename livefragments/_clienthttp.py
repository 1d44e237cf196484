"""HTTP for the Python client: twisted.web's Agent with Nagle off.  Tests: tests/integration/test_client_http.py."""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.protocol import Protocol
from twisted.web.client import ResponseDone
from twisted.web.http import PotentialDataLoss
from twisted.web.iweb import IBodyProducer
from zope.interface import implementer

from ._tcp import setNoDelay


class HTTPResponse:
    def __init__(self, code: int, headers: dict[str, list[str]], body: bytes):
        self.code, self.headers, self.body = code, headers, body


class AgentHTTP:
    """HTTP over twisted.web.client.Agent with a small persistent connection pool."""

    def __init__(self, reactor, maxPerHost: int = 4):
        from twisted.web.client import Agent, HTTPConnectionPool

        self._pool = HTTPConnectionPool(reactor, persistent=True)
        self._pool.maxPersistentPerHost = maxPerHost
        self._agent = Agent.usingEndpointFactory(
            reactor, _NoDelayEndpointFactory(reactor), pool=self._pool)

    def request(self, method: bytes, url: str, headers: dict, body: bytes | None):
        """``Deferred[HTTPResponse]``; cancelling it drops the connection."""
        from twisted.web.http_headers import Headers

        producer = _BytesProducer(body) if body is not None else None
        d = self._agent.request(method, url.encode(), Headers(
            {k: [v] for k, v in headers.items()}), producer)

        def read(response):
            hdrs = {k.decode().lower(): [v.decode("latin-1") for v in vs]
                    for k, vs in response.headers.getAllRawHeaders()}
            collector = _BodyCollector()
            response.deliverBody(collector)
            return collector.done.addCallback(
                lambda data: HTTPResponse(response.code, hdrs, data))

        return d.addCallback(read)

    def close(self) -> Deferred:
        return self._pool.closeCachedConnections()


@implementer(IBodyProducer)
class _BytesProducer:
    """A request body written at once (FileBodyProducer would wait for a cooperator turn)."""

    def __init__(self, body: bytes):
        self.body = body
        self.length = len(body)

    def startProducing(self, consumer):
        consumer.write(self.body)
        return succeed(None)

    def pauseProducing(self):
        pass

    def resumeProducing(self):
        pass

    def stopProducing(self):
        pass


class _BodyCollector(Protocol):
    def __init__(self):
        self.parts: list[bytes] = []
        self.done = Deferred(lambda _: self.transport and self.transport.stopProducing())

    def dataReceived(self, data: bytes) -> None:
        self.parts.append(data)

    def connectionLost(self, reason) -> None:
        if self.done.called:
            return
        if reason.check(ResponseDone, PotentialDataLoss):
            self.done.callback(b"".join(self.parts))
        else:
            self.done.errback(reason)


class _NoDelayEndpointFactory:
    """HTTP(S) endpoints whose connections have Nagle's algorithm off (see _tcp)."""

    def __init__(self, reactor):
        self.reactor = reactor

    def endpointForURI(self, uri):
        from twisted.internet.endpoints import HostnameEndpoint, wrapClientTLS

        endpoint = HostnameEndpoint(self.reactor, uri.host, uri.port)
        if uri.scheme == b"https":
            from twisted.internet.ssl import optionsForClientTLS  # needs pyOpenSSL

            endpoint = wrapClientTLS(optionsForClientTLS(uri.host.decode("ascii")), endpoint)
        elif uri.scheme != b"http":
            raise ValueError(f"AgentHTTP speaks http and https, not {uri.scheme!r}.")
        return _NoDelayEndpoint(endpoint)


class _NoDelayEndpoint:
    def __init__(self, inner):
        self.inner = inner

    def connect(self, factory):
        def tune(protocol):
            setNoDelay(protocol.transport)
            return protocol

        return self.inner.connect(factory).addCallback(tune)
