"""The audience of one hub: who views the worksheet, where each is, and how a change reaches them.

Tests: tests/unit/test_audience.py, tests/unit/test_hub.py.

``tell(f)`` calls ``f(viewer)`` for every viewer now, in the order they came; one failing viewer
does not stop the others.  ``tellLatest(key, f)`` is for a change of a latest value (a cell's
state, the kernel's): the viewers in use are told at once, the watching ones by their pages'
Flusher, a batch a turn, and only of the newest change of ``key`` (livefragments' ``Broadcast``),
so a change costs its maker O(1), not O(viewers).  When a viewer's page sends what it was told,
and how much of a stream of changes it gets, is the page's business (see
``LivePage.sendLatest``).

Presence (which cell each viewer is in) is the one thing the audience batches itself: changes
within ``PRESENCE_DELAY`` go out as one list of the entries that changed, because when a whole
class opens a share link at once, N joins would otherwise cost each viewer N updates.
"""

from __future__ import annotations

from typing import Protocol

from twisted.logger import Logger

from livefragments import Broadcast

from . import ot
from .cells import CellModel

log = Logger()

#: Presence changes within this many seconds go out as one update (0: each at once).
PRESENCE_DELAY = 0.1


class Viewer(Protocol):
    """What the hub calls on each viewer (the web layer's WorksheetFragment).

    One change is told to every viewer with the same argument objects, which are never changed
    afterwards. ``presenceChanged`` gets the entries that changed since the last call, each a
    whole entry (see ``presence``) or ``{"id", "gone": True}``. ``cellChanged`` and
    ``kernelChanged`` say only *that* something changed: the viewer reads the state when it
    sends it (see ``CellModel.runInfo``, ``WorksheetHub.kernelInfo``).
    """

    viewerId: str
    identity: object  # who is viewing (role, name, sessionId); see athena_nb/web/auth.py

    def cellInserted(self, index: int, cell: CellModel) -> None: ...
    def cellRemoved(self, cellId: int) -> None: ...
    def cellMoved(self, cellId: int, index: int) -> None: ...
    def cellText(self, cell: CellModel, op: ot.Operation, version: int, siteId: str) -> None: ...
    def cellChanged(self, cell: CellModel) -> None: ...
    def cellKindChanged(self, cell: CellModel) -> None: ...
    def typesetChanged(self) -> None: ...  # hub.typeset or hub.typesetResults changed

    def systemChanged(self) -> None: ...
    def cellCursor(self, cell: CellModel, siteId: str, name: str, anchor: int, head: int,
                   version: int) -> None: ...
    def titleChanged(self, title: str) -> None: ...
    def filesChanged(self) -> None: ...  # the worksheet's directory (folder.py) changed
    def filesQuotaChanged(self) -> None: ...  # its files passed their quota, or came back
    def historyNamed(self) -> None: ...  # someone named a version (an open History lists it)
    def presenceChanged(self, changes: list[dict]) -> None: ...
    def kernelChanged(self) -> None: ...
    def interactChanged(self, cell: CellModel, iid: str) -> None: ...
    def hubClosed(self, reason: str) -> None: ...
    def closeView(self, reason: str, final: bool = False) -> None: ...


class Audience:
    def __init__(self, reactor):
        self.reactor = reactor
        self.viewers: dict = {}  # viewerId -> viewer, in the order they came
        self._presence: dict[str, dict] = {}  # viewerId -> {"id", "name", "role", "cell", "away"}
        self._changed: dict[str, None] = {}  # viewer ids whose presence changed, in order
        self._presenceCall = None
        self._latest = Broadcast()

    def add(self, viewer, name: str, role: str) -> None:
        self.viewers[viewer.viewerId] = viewer
        self._latest.add(viewer)
        self._presence[viewer.viewerId] = {"id": viewer.viewerId, "name": name, "role": role,
                                           "cell": None, "away": False}
        self._presenceChanged(viewer.viewerId)

    def remove(self, viewer) -> bool:
        """Forget ``viewer``; False if it was not here."""
        if self.viewers.pop(viewer.viewerId, None) is None:
            return False
        self._latest.discard(viewer)
        self._presence.pop(viewer.viewerId, None)
        self._presenceChanged(viewer.viewerId)
        return True

    def tell(self, f) -> None:
        for viewer in list(self.viewers.values()):
            try:
                f(viewer)
            except Exception:
                log.failure("Telling viewer {v!r} about a change failed", v=viewer)

    def tellLatest(self, key, f) -> None:
        """``f(viewer)`` for every viewer, once each, soon: see the module's docstring."""
        self._latest.tellLatest(key, f)

    # -- presence --------------------------------------------------------------------------

    def presence(self) -> list[dict]:
        return [dict(entry) for entry in self._presence.values()]

    def presenceOf(self, viewerId: str) -> dict | None:
        """The presence entry of one viewer (not a copy: do not change it)."""
        return self._presence.get(viewerId)

    def setFocus(self, viewerId: str, cellId: int | None) -> None:
        """The viewer is now in cell ``cellId`` (None: in none)."""
        entry = self._presence.get(viewerId)
        if entry is not None and entry["cell"] != cellId:
            entry["cell"] = cellId
            self._presenceChanged(viewerId)

    def setAway(self, viewerId: str, away: bool) -> None:
        """The viewer's page has lost its connection a while (a closed laptop: it is gone only
        after the transport's disconnect timeout), or has it again."""
        entry = self._presence.get(viewerId)
        if entry is not None and entry["away"] != away:
            entry["away"] = away
            self._presenceChanged(viewerId)

    def cellLeft(self, cellId: int) -> None:
        """The cell is gone: whoever was in it is in none."""
        for entry in self._presence.values():
            if entry["cell"] == cellId:
                self.setFocus(entry["id"], None)

    def _presenceChanged(self, viewerId: str) -> None:
        # Only what changed goes out: whole lists made each join cost O(viewers) per viewer.
        self._changed[viewerId] = None
        if self._presenceCall is None:
            self._presenceCall = self.reactor.callLater(PRESENCE_DELAY, self._sendPresence)

    def _sendPresence(self) -> None:
        self._presenceCall = None
        changed, self._changed = self._changed, {}
        changes = [dict(self._presence[i]) if i in self._presence else {"id": i, "gone": True}
                   for i in changed]
        self.tell(lambda v: v.presenceChanged(changes))

    def clear(self) -> list:
        """Forget every viewer and what waits for them; returns the viewers."""
        if self._presenceCall is not None and self._presenceCall.active():
            self._presenceCall.cancel()
        self._presenceCall = None
        viewers, self.viewers = list(self.viewers.values()), {}
        self._latest.clear()
        self._presence, self._changed = {}, {}
        return viewers
