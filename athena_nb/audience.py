"""Tests: tests/unit/test_audience.py. The viewers of one hub, and how a change reaches them.

``tell(f)`` calls ``f(viewer)`` for every viewer now, in the order they came: for changes whose
order matters (text operations, structure, presence). ``tellSoon(key, f)`` is for changes a
viewer reads as a snapshot (a cell's run state and output, the kernel's state), where only the
latest counts: viewers in a hurry (``viewer.urgent``, e.g. the person who just ran the cell) are
told now, the others ``batch`` per reactor turn after. Telling a thousand viewers in one turn
would hold up the person at the keyboard for milliseconds; while a viewer waits, a newer change
with the same key takes the older one's place, so the queue never holds more than one change
per viewer and key.
"""

from __future__ import annotations

from twisted.logger import Logger

log = Logger()


class Audience:
    def __init__(self, reactor, batch: int = 100):
        self.reactor = reactor
        self.batch = batch
        self.viewers: dict = {}  # viewerId -> viewer, in the order they came
        self._soon: dict = {}  # (viewerId, key) -> f, oldest first
        self._call = None

    def add(self, viewer) -> None:
        self.viewers[viewer.viewerId] = viewer

    def remove(self, viewer) -> bool:
        """Forget ``viewer``; False if it was not here."""
        return self.viewers.pop(viewer.viewerId, None) is not None

    def tell(self, f) -> None:
        for viewer in list(self.viewers.values()):
            self._call1(f, viewer)

    def tellSoon(self, key, f) -> None:
        for viewerId, viewer in list(self.viewers.items()):
            if viewer.urgent:
                self._soon.pop((viewerId, key), None)  # older, and superseded now
                self._call1(f, viewer)
            else:
                self._soon[(viewerId, key)] = f  # a waiting one keeps its place
        if self._soon and self._call is None:
            self._call = self.reactor.callLater(0, self._tellSome)

    @property
    def waiting(self) -> int:
        return len(self._soon)

    def _tellSome(self) -> None:
        self._call = None
        for _ in range(min(self.batch, len(self._soon))):
            (viewerId, _key), f = next(iter(self._soon.items()))
            del self._soon[(viewerId, _key)]
            viewer = self.viewers.get(viewerId)
            if viewer is not None:
                self._call1(f, viewer)
        if self._soon:
            self._call = self.reactor.callLater(0, self._tellSome)

    def clear(self) -> list:
        """Forget every viewer and what waits for them; returns the viewers."""
        viewers, self.viewers, self._soon = list(self.viewers.values()), {}, {}
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        return viewers

    @staticmethod
    def _call1(f, viewer) -> None:
        try:
            f(viewer)
        except Exception:
            log.failure("Telling viewer {v!r} about a change failed", v=viewer)
