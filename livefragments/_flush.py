"""``Flusher``: decides when each page sends what it queued; every timing policy of sending.

Tests: tests/unit/test_flush.py.  A page sends what a reactor turn produced in one answer, at
the end of the turn; the pages of one resource share a ``Flusher`` so that a broadcast to N
pages costs one delayed call, not N.  These are all the policies that delay or order a page's
sends; each is switched off by one setting, and docs/livefragments.md names the test that
fails when it is off:

- **Interactive first** (``Settings.interactiveSeconds``): the pages that sent the server a
  message lately (``LivePage.interactive``: the person typing or running a cell) are flushed
  first, every turn, before any watcher is told of a change (``Broadcast``).
- **Watchers in batches** (``Settings.flushBatch``): the watching pages go out ``batch`` at a
  time, one batch per reactor turn, so the reactor reads new requests between batches.  A
  watching page with more to send while it waits keeps its place.
- **Watchers' connections held** (``Settings.holdSeconds``): while watchers are being sent, the
  connections of those already sent are not read (for up to ``holdSeconds``): the last of a
  thousand is not made to wait for the parsing of the others' next polls.
- **Watchers paced** (``Settings.watchPace``): a watching page is sent at most once per
  ``pace`` seconds times the number of watching pages sent in the last second (a thousand
  watchers: every 0.5 s; fewer than 10: no pause), after a ``BURST`` of three.  One change still
  reaches every watcher at once; a stream of changes is coalesced for them.
- **Changes spread in batches** (``Settings.flushBatch`` too): a change that many watching
  pages must show (a ``Broadcast``) is taken to them ``batch`` pages a turn, after the pages in
  use, which are told at once; a page is then placed as above.  A page its pace holds is
  told when it goes, not each time something changes meanwhile.  The one who made the change
  does not pay for the thousand who watch it in their own turn.
- **Latest values settle** (``Settings.settleSeconds``): a page whose new messages are only
  latest values that will change again soon (a cell queued or running, the kernel busy) sends
  them ``settle`` seconds later, and only after the reactor has read the input waiting then
  and handed it on (two turns), so that a cell that ends at once reaches its viewers as one
  update.  Anything else the page sends meanwhile takes them along.
"""

from __future__ import annotations

import heapq
import itertools

from twisted.logger import Logger

from ._settings import Settings

log = Logger()

#: Watching pages sent longer ago than this do not count towards the pace, which it also caps.
HORIZON = 1.0
#: A watching page may be sent this many times in a row before the pace holds it back: one
#: run of a cell often comes as three sends (its settled update, its end, then the kernel's
#: state a moment later), and the next run must not wait for the third (with two, 500
#: watchers' p99 was 266 ms, with three 56 ms: docs/performance.md).
BURST = 3
#: Shorter pauses would spare the server nothing: a few watchers are never paced.
MIN_INTERVAL = 0.005


class Flusher:
    def __init__(self, reactor, settings: Settings | None = None, *, batch: int | None = None,
                 pace: float | None = None, hold: float | None = None,
                 settle: float | None = None):
        settings = settings or Settings()
        self.reactor = reactor
        self.batch = settings.flushBatch if batch is None else batch
        self.pace = settings.watchPace if pace is None else pace
        self.hold = settings.holdSeconds if hold is None else hold
        self.settle = settings.settleSeconds if settle is None else settle
        self._urgent: dict = {}  # insertion-ordered sets of pages
        self._ready: dict = {}  # watching pages that may go now
        self._settling: dict = {}  # page -> when its latest values go, in that order
        self._later: list = []  # heap of (due, n, page): watching pages held by their pace
        self._due: dict = {}  # page -> due, for the pages in _later
        self._sent: dict = {}  # watching page -> (when last sent, sends left), oldest first
        self._n = itertools.count()
        self._call = None
        self._held: list = []  # (since, transport): reading waits for the watchers due now
        self._spreading: dict = {}  # Broadcasts with watchers still to be told, in order

    def wake(self, page, settle: bool = False) -> None:
        """Call ``page._flush()``: at the end of this reactor turn if someone uses the page,
        when its pace allows if it is watching, and with ``settle`` (only latest values that
        will change again soon) not before ``settle`` seconds have passed."""
        if settle and self.settle:
            if not (page in self._urgent or page in self._ready or page in self._due
                    or page in self._settling):
                self._settling[page] = self.reactor.seconds() + self.settle
                self._schedule()
            return
        self._settling.pop(page, None)
        self._place(page, self.reactor.seconds())
        self._schedule()

    def _place(self, page, now: float) -> None:
        """Put ``page`` where it goes now: first, with the next batch, or after its pace."""
        if page in self._urgent:
            return  # it goes this turn anyway
        if page.interactive or not page.isLive:
            self._ready.pop(page, None)
            self._due.pop(page, None)
            self._urgent[page] = None
        elif page not in self._ready and page not in self._due:
            interval = self._interval()
            left = self._left(page, now, interval)
            if left >= 1:
                self._ready[page] = None
            else:
                due = self._due[page] = now + (1 - left) * interval
                heapq.heappush(self._later, (due, next(self._n), page))

    def _left(self, page, now: float, interval: float) -> float:
        """How many sends ``page`` may have now (one more every ``interval``, at most BURST)."""
        sent = self._sent.get(page)
        if sent is None or not interval:
            return BURST
        return min(BURST, sent[1] + (now - sent[0]) / interval)

    def spread(self, broadcast) -> None:
        """``broadcast`` has watching members to tell: tell them ``batch`` a turn."""
        if broadcast not in self._spreading:
            self._spreading[broadcast] = None
            self._schedule()

    def forget(self, page) -> None:
        """``page`` is gone: let go of it (a turn of its waiting for its pace is dropped when
        that turn comes)."""
        for pages in (self._urgent, self._ready, self._settling, self._due, self._sent):
            pages.pop(page, None)

    def answered(self, page, transport) -> None:
        """``page`` was just answered on ``transport``: if it is watching and other watchers
        are due, read nothing more from it (its next poll) until they are sent, so that the
        last of them is not answered only after the parsing of all the others' next polls."""
        if self.hold and self._ready and not page.interactive:
            transport.pauseProducing()
            self._held.append((self.reactor.seconds(), transport))

    def paced(self, page) -> bool:
        """``page`` waits for its pace: nothing told to it can make it go sooner."""
        return page in self._due

    def sendsLater(self, page) -> bool:
        """``page`` is to send at a later time (what it has settles, or it is paced)."""
        return page in self._settling or page in self._due

    @property
    def pending(self) -> int:
        return (len(self._urgent) + len(self._ready) + len(self._settling) + len(self._due)
                + len(self._spreading))

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
        """Flush this turn if a page may go now, else when the first waiting page may (two
        turns after that time: the input waiting then is read and handed on first)."""
        now = self.reactor.seconds()
        if self._urgent or self._ready or self._spreading:
            delay = 0.0
        elif self._later or self._settling:
            first = min(self._later[0][0] if self._later else now + HORIZON,
                        next(iter(self._settling.values())) if self._settling else now + HORIZON)
            delay = max(0.0, first - now)
        else:
            return
        if self._call is None:
            self._call = self.reactor.callLater(delay, self._timeCame if delay else self._flushSome)
        elif self._call.getTime() > now + delay:  # waiting for a later page, and now sooner
            self._call.reset(delay)

    def _timeCame(self) -> None:
        # The reactor reads the input waiting now before its next turn, but what it reads may
        # be handed on only on the turn after that (athena_nb's WorkerProcess hands a kernel's
        # output and its end over with callLater(0)): flushing on the next turn would send a
        # cell's settled update just before its end, and the person who ran it would get the
        # end a round trip later, with their next poll.
        self._call = self.reactor.callLater(0, self._handedOver)

    @staticmethod
    def _flushPages(pages) -> None:
        for page in pages:
            try:
                page._flush()
            except Exception:
                log.failure("Flushing {page!r} failed", page=page)

    def _handedOver(self) -> None:
        self._call = self.reactor.callLater(0, self._flushSome)

    def _flushSome(self) -> None:
        self._call = None
        now = self.reactor.seconds()
        while self._settling:
            page, due = next(iter(self._settling.items()))
            if due > now:
                break
            del self._settling[page]
            self._place(page, now)  # a watcher's pace may hold it longer
        while self._later and self._later[0][0] <= now:
            due, _, page = heapq.heappop(self._later)
            if self._due.get(page) == due:  # else it went out another way meanwhile
                del self._due[page]
                if page.interactive or not page.isLive:
                    self._urgent[page] = None
                else:
                    self._ready[page] = None
        # The pages in use go before any telling of watchers: the person who ran the cell is
        # not made to wait while a batch of a thousand watchers is told of it.
        urgent, self._urgent = list(self._urgent), {}
        self._flushPages(urgent)
        for broadcast in list(self._spreading):  # its members wake: placed as any page
            if broadcast.spread(self.batch):
                del self._spreading[broadcast]
        pages, self._urgent = list(self._urgent), {}
        interval = self._interval()
        for page in list(itertools.islice(self._ready, self.batch)):
            # What its broadcasts passed over while it waited, told while it is still ready
            # (so that telling it does not place it again).
            for broadcast, member in list(page.broadcasts.items()):
                broadcast.catchUp(member)
            del self._ready[page]
            pages.append(page)
            if self.pace:
                left = self._left(page, now, interval)
                self._sent.pop(page, None)
                self._sent[page] = (now, max(0.0, left - 1))
        self._flushPages(pages)
        if self._held and (not self._ready or now - self._held[0][0] > self.hold):
            held, self._held = self._held, []
            for _, transport in held:
                transport.resumeProducing()
        self._schedule()
