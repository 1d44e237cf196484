"""``MistakeLog``: the other side's mistakes, one log line each, rate-limited per page.

Tests: tests/unit/test_rpc.py, tests/unit/test_hub_web.py.

A refused call, a malformed message or a notification that failed on a refusal is the peer's
mistake, not a bug here: it gets one warning line without a traceback.  One envelope may carry
thousands of them, so a page logs at most ``BURST`` per ``INTERVAL`` seconds; the rest are
counted, and one line at the end of the interval says how many there were.
"""

from __future__ import annotations

from twisted.logger import Logger

log = Logger()

#: Mistakes of one page logged per interval, and the interval in seconds.
BURST = 5
INTERVAL = 60.0


class MistakeLog:
    """The mistakes of one page's peer; call it with a sentence."""

    def __init__(self, reactor, who: str, burst: int = BURST, interval: float = INTERVAL):
        self.reactor, self.who = reactor, who
        self.burst, self.interval = burst, interval
        self._windowEnds: float | None = None
        self._logged = 0
        self._unlogged = 0
        self._summary = None  # the delayed call that logs the count of unlogged ones

    def __call__(self, sentence: str) -> None:
        now = self.reactor.seconds()
        if self._windowEnds is None or now >= self._windowEnds:
            self._windowEnds, self._logged = now + self.interval, 0
        if self._logged < self.burst:
            self._logged += 1
            log.warn("{who}: {sentence}", who=self.who, sentence=sentence[:300])
            return
        self._unlogged += 1
        if self._summary is None:
            self._summary = self.reactor.callLater(self._windowEnds - now, self._summarize)

    def _summarize(self) -> None:
        self._summary = None
        count, self._unlogged = self._unlogged, 0
        log.warn("{who}: {count} more mistakes of its peer in the last {interval:g} s were not "
                 "logged one by one.", who=self.who, count=count, interval=self.interval)
