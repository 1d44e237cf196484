"""``Broadcast``: fragments on many pages that are told the same latest values, at O(1) a change.

Tests: tests/unit/test_broadcast.py.

A change that a thousand pages must show would cost the one who made it a thousand calls in
their own reactor turn, before their own page is answered.  A ``Broadcast`` only records
*that* a value changed (the newest telling per key) and leaves the telling of the members to
their pages' ``Flusher``, ``batch`` members a turn (``Settings.flushBatch``), except for the
members whose page is in use (``LivePage.interactive``: the person who made the change), who
are told at once.  A member that missed several changes of one key is told the newest once.

Telling a member is calling ``tell(member)``, which normally makes the member send a latest
value (``LiveFragment.notifyLatest``): when that goes out is then its page's business, as for
any latest value.  A watching member whose page its pace holds (``Flusher.paced``: nothing
told to it could make it go sooner) is passed over and told when that page's time comes
(``catchUp``, which the Flusher calls): under a stream of changes the spread visits a
thousand paced watchers with a look each, not a telling each.  Messages that are not latest values (an edit, a cell inserted) are not for a
``Broadcast``: each must reach every member, in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from typing import Any

from twisted.logger import Logger

log = Logger()


class Broadcast:
    def __init__(self) -> None:
        self._version = 0
        # key -> (version, tell), oldest first: a key told again moves to the end.
        self._changes: dict[Hashable, tuple[int, Callable[[Any], None]]] = {}
        # member -> the version it was told up to; in use (told at once) or watching.
        self._inUse: dict[Any, int] = {}
        self._watching: dict[Any, int] = {}
        self._queue: deque = deque()  # watching members still to be told, in order
        self._deferred: set = set()  # watching members passed over: told when their page sends
        self._flusher = None

    def __len__(self) -> int:
        return len(self._inUse) + len(self._watching)

    def add(self, member) -> None:
        """``member`` (normally a fragment on a live page) is told the changes from now on."""
        page = getattr(member, "page", None)
        if self._flusher is None and page is not None:
            self._flusher = page._flusher
        if page is not None:
            page.broadcasts[self] = member  # its client's next message calls ``use``
        (self._inUse if self._toldAtOnce(member) else self._watching)[member] = self._version

    def use(self, member) -> None:
        """Someone uses ``member``'s page (its client just sent a message): tell it what it
        missed now, and the changes at once from now on."""
        if member in self._watching:
            self._deferred.discard(member)
            self._inUse[member] = self._watching.pop(member)
            self._catchUp(member, self._inUse)

    def catchUp(self, member) -> None:
        """Tell ``member`` what it missed now: its page is about to send (the Flusher calls
        this for a watching page it passed over while the page waited)."""
        if member in self._deferred:
            self._deferred.discard(member)
            self._catchUp(member, self._watching)

    def _toldAtOnce(self, member) -> bool:
        """Someone uses the member's page (or it has no page whose Flusher could tell it)."""
        page = getattr(member, "page", None)
        return page is None or page._flusher is not self._flusher or page.interactive

    def discard(self, member) -> None:
        self._inUse.pop(member, None)
        self._watching.pop(member, None)
        self._deferred.discard(member)
        page = getattr(member, "page", None)
        if page is not None and page.broadcasts.get(self) is member:
            del page.broadcasts[self]
        if not self._inUse and not self._watching:
            self._changes.clear()
            self._queue.clear()

    def clear(self) -> None:
        """Forget every member and every change (whatever the Flusher had yet to tell)."""
        for member in list(self._inUse) + list(self._watching):
            self.discard(member)

    def tellLatest(self, key: Hashable, tell: Callable[[Any], None]) -> None:
        """``key`` changed: call ``tell(member)`` for each member, at once for the members in
        use and in the Flusher's batches for the others (the newest ``tell`` of ``key``)."""
        self._version += 1
        self._changes.pop(key, None)
        self._changes[key] = (self._version, tell)
        for member in list(self._inUse):
            if self._toldAtOnce(member):
                self._catchUp(member, self._inUse)
            else:
                self._watching[member] = self._inUse.pop(member)
        if self._watching:
            self._flusher.spread(self)
        else:
            self._changes.clear()  # everyone has everything already

    def spread(self, count: int) -> bool:
        """Tell up to ``count`` watching members what they missed (the Flusher calls this);
        True when every member has been told everything."""
        deferred = self._deferred
        if not self._queue:
            self._queue.extend(m for m, seen in self._watching.items()
                               if seen < self._version and m not in deferred)
        while self._queue and count > 0:
            member = self._queue.popleft()
            if member not in self._watching or member in deferred:
                continue  # left, or passed over, meanwhile
            if self._toldAtOnce(member):
                self._inUse[member] = self._watching.pop(member)
                self._catchUp(member, self._inUse)
            elif self._flusher.paced(member.page):
                deferred.add(member)  # told when its page's time comes (catchUp)
                continue
            else:
                self._catchUp(member, self._watching)
            count -= 1
        if self._queue:
            return False
        behind = [m for m, seen in self._watching.items() if seen < self._version]
        if any(m not in deferred for m in behind):
            return False  # changed meanwhile: another pass
        if not behind and all(seen == self._version for seen in self._inUse.values()):
            self._changes.clear()  # everyone has everything
        return True

    def _catchUp(self, member, where: dict) -> None:
        seen = where[member]
        if seen == self._version:
            return
        where[member] = self._version
        missed = []
        for version, tell in reversed(self._changes.values()):
            if version <= seen:
                break
            missed.append(tell)
        for tell in reversed(missed):
            try:
                tell(member)
            except Exception:
                log.failure("Telling {member!r} of a change failed", member=member)
