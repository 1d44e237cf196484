"""Tests: tests/unit/test_audience.py. The viewers of one hub, and how a change reaches them.

``tell(f)`` calls ``f(viewer)`` for every viewer now, in the order they came: for changes whose
order matters (text operations, structure, presence). ``tellSoon(key, f)`` is for changes a
viewer reads as a snapshot (a cell's run state and output, the kernel's state), where only the
latest counts: viewers in a hurry (``viewer.urgent``, e.g. the person who just ran the cell) are
told now; the others are told right before their page next sends (``viewer.whenFlushing``),
which the page's ``Flusher`` paces. While a viewer waits, a newer change with the same key takes
the older one's place, so a thousand watchers of a busy worksheet cost the person at the
keyboard a dictionary entry each per change, and each watcher is told only the changes it will
actually be sent.
"""

from __future__ import annotations

import functools

from twisted.logger import Logger

log = Logger()


class Audience:
    def __init__(self):
        self.viewers: dict = {}  # viewerId -> viewer, in the order they came
        self._soon: dict = {}  # viewerId -> {key: f}: what waits for the viewer's next send

    def add(self, viewer) -> None:
        self.viewers[viewer.viewerId] = viewer

    def remove(self, viewer) -> bool:
        """Forget ``viewer``; False if it was not here."""
        self._soon.pop(viewer.viewerId, None)
        return self.viewers.pop(viewer.viewerId, None) is not None

    def tell(self, f) -> None:
        for viewer in list(self.viewers.values()):
            self._call1(f, viewer)

    def tellSoon(self, key, f) -> None:
        soon = self._soon
        for viewerId, viewer in list(self.viewers.items()):
            waiting = soon.get(viewerId)
            if viewer.urgent:
                if waiting is not None:
                    waiting.pop(key, None)  # older, and superseded now
                self._call1(f, viewer)
            elif waiting is not None:
                waiting[key] = f  # the viewer's next send tells it
            else:
                soon[viewerId] = {key: f}
                viewer.whenFlushing(functools.partial(self._catchUp, viewerId))

    @property
    def waiting(self) -> int:
        """How many (viewer, key) changes wait to be told."""
        return sum(len(waiting) for waiting in self._soon.values())

    def _catchUp(self, viewerId) -> None:
        waiting = self._soon.pop(viewerId, None)
        viewer = self.viewers.get(viewerId)
        if waiting and viewer is not None:
            for f in waiting.values():
                self._call1(f, viewer)

    def clear(self) -> list:
        """Forget every viewer and what waits for them; returns the viewers."""
        viewers, self.viewers, self._soon = list(self.viewers.values()), {}, {}
        return viewers

    @staticmethod
    def _call1(f, viewer) -> None:
        try:
            f(viewer)
        except Exception:
            log.failure("Telling viewer {v!r} about a change failed", v=viewer)
