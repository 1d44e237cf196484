"""The server's TCP connections in integration tests, so that a test can cut them all."""

from __future__ import annotations


class Connections:
    def __init__(self):
        self.transports: set = set()
        self.aborted = 0

    def watch(self, site):
        """Track every connection that brings ``site`` a request; returns ``site``."""
        original = site.getResourceFor

        def tracking(request):
            self.track(request)
            return original(request)

        site.getResourceFor = tracking
        return site

    def track(self, request) -> None:
        self.transports = {t for t in self.transports if t.connected}
        self.transports.add(request.channel.transport)

    def abortAll(self) -> int:
        """Abort every open connection (the peer sees a reset); returns how many."""
        live = [t for t in self.transports if t.connected]
        for transport in live:
            transport.abortConnection()
        self.aborted += len(live)
        return len(live)
