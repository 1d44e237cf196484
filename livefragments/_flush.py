"""``Flusher``: sends what pages queued, the pages of interactive people first.

Tests: tests/unit/test_flush.py.  A page sends what a reactor turn produced in one answer, at
the end of the turn; the pages of one resource share a ``Flusher`` so that a broadcast to N
pages costs one delayed call, not N.

When a thousand pages watch one worksheet, answering all of them (and parsing their next polls)
takes the server a hundred milliseconds or more.  Someone typing or running cells meanwhile must
not wait behind that:

- The pages that sent the server a message lately (``LivePage.interactive``) are flushed first,
  every turn.
- The watching pages go out ``batch`` at a time, one batch per reactor turn, so the reactor
  reads new requests between batches.  A watching page with more to send while it waits keeps
  its place; its messages go out together.
- While watchers are being sent, the connections of those already sent are not read (for up
  to ``HOLD_LIMIT``): the last of a thousand is not made to wait for the parsing of the
  others' next polls.
- A watching page is sent at most once per ``pace`` seconds times the number of watching pages
  sent in the last second (by default, a thousand watchers: every 0.5 s; fewer than 10: no
  pause), after a ``BURST`` of two.  One change still reaches every watcher at full speed; only
  a stream of changes (cells run back to back) is coalesced for the watchers, so that together
  they keep to a quarter or so of the server and leave the rest to the people at the keyboard.
"""

from __future__ import annotations

import heapq
import itertools

from twisted.logger import Logger

log = Logger()

#: Watching pages sent longer ago than this do not count towards the pace, which it also caps.
HORIZON = 1.0
#: A watching page may be sent this many times in a row before the pace holds it back: one
#: change often comes as two sends (its update, then the kernel's state a moment later), and
#: the next change must not wait for the second.
BURST = 2
#: Shorter pauses would spare the server nothing: a few watchers are never paced.
MIN_INTERVAL = 0.005
#: The longest a watcher's connection goes unread while other watchers are sent.
HOLD_LIMIT = 0.1


class Flusher:
    def __init__(self, reactor, batch: int = 25, pace: float = 0.0):
        self.reactor = reactor
        self.batch = batch
        self.pace = pace
        self._urgent: dict = {}  # insertion-ordered sets of pages
        self._ready: dict = {}  # watching pages that may go now
        self._later: list = []  # heap of (due, n, page): watching pages sent too lately
        self._due: dict = {}  # page -> due, for the pages in _later
        self._sent: dict = {}  # watching page -> (when last sent, sends left), oldest first
        self._n = itertools.count()
        self._call = None
        self._held: list = []  # (since, transport): reading waits for the watchers due now

    def wake(self, page) -> None:
        """Call ``page._flush()`` at the end of this reactor turn, or soon if it is watching."""
        if page.interactive or not page.isLive:
            self._ready.pop(page, None)
            self._due.pop(page, None)
            self._urgent[page] = None
        elif page not in self._urgent and page not in self._ready and page not in self._due:
            now, interval = self.reactor.seconds(), self._interval()
            left = self._left(page, now, interval)
            if left >= 1:
                self._ready[page] = None
            else:
                due = now + (1 - left) * interval
                self._due[page] = due
                heapq.heappush(self._later, (due, next(self._n), page))
        self._schedule()

    def _left(self, page, now: float, interval: float) -> float:
        """How many sends ``page`` may have now (one more every ``interval``, at most BURST)."""
        sent = self._sent.get(page)
        if sent is None or not interval:
            return BURST
        return min(BURST, sent[1] + (now - sent[0]) / interval)

    def forget(self, page) -> None:
        """``page`` is gone: let go of it (a turn of its waiting for its pace is dropped when
        that turn comes)."""
        for pages in (self._urgent, self._ready, self._due, self._sent):
            pages.pop(page, None)

    def answered(self, page, transport) -> None:
        """``page`` was just answered on ``transport``: if it is watching and other watchers
        are due, read nothing more from it (its next poll) until they are sent, so that the
        last of them is not answered only after the parsing of all the others' next polls."""
        if self._ready and not page.interactive:
            transport.pauseProducing()
            self._held.append((self.reactor.seconds(), transport))

    @property
    def pending(self) -> int:
        return len(self._urgent) + len(self._ready) + len(self._due)

    def _interval(self) -> float:
        """How long a watching page waits between two sends now."""
        if not self.pace:
            return 0.0
        cutoff = self.reactor.seconds() - HORIZON
        while self._sent:
            oldest = next(iter(self._sent))
            if self._sent[oldest][0] > cutoff:
                break
            del self._sent[oldest]
        interval = min(self.pace * len(self._sent), HORIZON)
        return interval if interval >= MIN_INTERVAL else 0.0

    def _schedule(self) -> None:
        """Flush this turn if a page may go now, else when the first waiting page may."""
        now = self.reactor.seconds()
        if self._urgent or self._ready:
            delay = 0.0
        elif self._later:
            delay = max(0.0, self._later[0][0] - now)
        else:
            return
        if self._call is None:
            self._call = self.reactor.callLater(delay, self._flushSome)
        elif self._call.getTime() > now + delay:  # waiting for a watcher, and now sooner
            self._call.reset(delay)

    def _flushSome(self) -> None:
        self._call = None
        now = self.reactor.seconds()
        while self._later and self._later[0][0] <= now:
            due, _, page = heapq.heappop(self._later)
            if self._due.get(page) == due:  # else it went out another way meanwhile
                del self._due[page]
                self._ready[page] = None
        pages, self._urgent = list(self._urgent), {}
        interval = self._interval()
        for page in list(itertools.islice(self._ready, self.batch)):
            del self._ready[page]
            pages.append(page)
            if self.pace:
                left = self._left(page, now, interval)
                self._sent.pop(page, None)
                self._sent[page] = (now, max(0.0, left - 1))
        for page in pages:
            try:
                page._flush()
            except Exception:
                log.failure("Flushing {page!r} failed", page=page)
        if self._held and (not self._ready or now - self._held[0][0] > HOLD_LIMIT):
            held, self._held = self._held, []
            for _, transport in held:
                transport.resumeProducing()
        self._schedule()
