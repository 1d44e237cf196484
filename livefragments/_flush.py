"""``Flusher``: sends what pages queued, the pages of interactive people first.

Tests: tests/unit/test_flush.py.  A page sends what a reactor turn produced in one answer, at
the end of the turn; the pages of one resource share a ``Flusher`` so that a broadcast to N
pages costs one delayed call, not N.

When a thousand pages watch one worksheet, answering all of them (and parsing their next polls)
takes the server a few hundred milliseconds.  Someone typing or running cells meanwhile must not
wait behind that: the pages that sent the server a message lately (``LivePage.interactive``)
are flushed first, every turn, and the watching pages go out ``batch`` at a time, one batch per
reactor turn, so the reactor reads new requests between batches.  A watching page with more to send while it
waits in the queue keeps its place; its messages go out together.
"""

from __future__ import annotations

from twisted.logger import Logger

log = Logger()


class Flusher:
    def __init__(self, reactor, batch: int = 25):
        self.reactor = reactor
        self.batch = batch
        self._urgent: dict = {}  # insertion-ordered sets of pages
        self._watching: dict = {}
        self._call = None

    def wake(self, page) -> None:
        """Call ``page._flush()`` at the end of this reactor turn, or soon if it is watching."""
        if page.interactive:
            self._watching.pop(page, None)
            self._urgent[page] = None
        elif page not in self._urgent:
            self._watching.setdefault(page, None)
        if self._call is None:
            self._call = self.reactor.callLater(0, self._flushSome)

    @property
    def pending(self) -> int:
        return len(self._urgent) + len(self._watching)

    def _flushSome(self) -> None:
        self._call = None
        pages, self._urgent = list(self._urgent), {}
        for page in list(self._watching)[:self.batch]:
            del self._watching[page]
            pages.append(page)
        for page in pages:
            try:
                page._flush()
            except Exception:
                log.failure("Flushing {page!r} failed", page=page)
        if (self._watching or self._urgent) and self._call is None:
            self._call = self.reactor.callLater(0, self._flushSome)
