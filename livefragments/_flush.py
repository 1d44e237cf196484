"""``Flusher``: one delayed call per reactor turn sends what every page queued in it.

Tests: tests/unit/test_rpc.py.  A page sends what a reactor turn produced in one answer, at the
end of the turn.  A broadcast to N pages would otherwise schedule N delayed calls (N pushes onto
the reactor's heap); the pages of one resource share a ``Flusher`` instead.
"""

from __future__ import annotations

from twisted.logger import Logger

log = Logger()


class Flusher:
    def __init__(self, reactor):
        self.reactor = reactor
        self._pages: dict = {}  # insertion-ordered: pages flush in the order they woke
        self._call = None

    def wake(self, page) -> None:
        """Call ``page._flush()`` at the end of this reactor turn."""
        self._pages[page] = None
        if self._call is None:
            self._call = self.reactor.callLater(0, self._flushAll)

    def _flushAll(self) -> None:
        self._call = None
        pages, self._pages = self._pages, {}
        for page in pages:
            try:
                page._flush()
            except Exception:
                log.failure("Flushing {page!r} failed", page=page)
