"""HTTP for the Python client: twisted.web's Agent with Nagle off.  Tests: tests/integration/test_client_http.py."""

from __future__ import annotations

from twisted.internet.defer import Deferred

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
        from io import BytesIO

        from twisted.web.client import FileBodyProducer, readBody
        from twisted.web.http_headers import Headers

        producer = FileBodyProducer(BytesIO(body)) if body is not None else None
        d = self._agent.request(method, url.encode(), Headers(
            {k: [v] for k, v in headers.items()}), producer)

        def read(response):
            hdrs = {k.decode().lower(): [v.decode("latin-1") for v in vs]
                    for k, vs in response.headers.getAllRawHeaders()}
            return readBody(response).addCallback(
                lambda data: HTTPResponse(response.code, hdrs, data))

        return d.addCallback(read)

    def close(self) -> Deferred:
        return self._pool.closeCachedConnections()


class _NoDelayEndpointFactory:
    """Plain-HTTP endpoints whose connections have Nagle's algorithm off (see _tcp)."""

    def __init__(self, reactor):
        self.reactor = reactor

    def endpointForURI(self, uri):
        from twisted.internet.endpoints import HostnameEndpoint

        if uri.scheme != b"http":
            raise ValueError("AgentHTTP speaks plain http only; use a TLS-terminating proxy.")
        return _NoDelayEndpoint(HostnameEndpoint(self.reactor, uri.host, uri.port))


class _NoDelayEndpoint:
    def __init__(self, inner):
        self.inner = inner

    def connect(self, factory):
        def tune(protocol):
            setNoDelay(protocol.transport)
            return protocol

        return self.inner.connect(factory).addCallback(tune)
