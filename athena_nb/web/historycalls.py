"""The worksheet page's history calls (a part of ``WorksheetFragment``): the slider's versions,
one version read-only, the diff of two, restoring, naming, snapshots with outputs.

Tests: tests/unit/test_history_web.py, tests/browser/test_history.py.

Reading the history is open to everyone who may open the worksheet; restoring and naming are
changes (``@editing``); a snapshot with outputs is the owner's. Versions are checked here, so a
malformed call gets a sentence (``BadArguments``), and a version out of range gets the store's.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import gatherResults

from livefragments import BadArguments

from .. import history, historydiff
from ._calls import NotAllowed, answering, editing


def _version(version, what: str = "A version") -> int:
    if type(version) is not int or version < 0:
        raise BadArguments(f"{what} is a whole number from 0, not {version!r}.")
    return version


def _name(name) -> str:
    if not isinstance(name, str) or not 0 < len(name.strip()) <= 200:
        raise BadArguments("A version's name is text of 1 to 200 characters.")
    return name


class HistoryCalls:
    """Mixed into ``WorksheetFragment`` (its ``hub`` and ``identity``)."""

    hub: Any
    identity: Any

    @answering
    def historyInfo(self):
        """{"last", "first_time", "last_time", "names"} (store's ``history_info``)."""
        return self.hub.store.history_info(self.hub.worksheetId)

    @answering
    def historyAt(self, version):
        """The worksheet right after ``version``, read-only (store's ``history_at``)."""
        return self.hub.store.history_at(self.hub.worksheetId, _version(version))

    @answering
    def historyDiff(self, old, new):
        """What changed from version ``old`` to ``new``, per cell (historydiff.py)."""
        store, wid = self.hub.store, self.hub.worksheetId
        states = [store.history_at(wid, _version(old, "The older version")),
                  store.history_at(wid, _version(new, "The newer version"))]
        return gatherResults(states, consumeErrors=True).addCallbacks(
            lambda both: historydiff.diff(*both), lambda failure: failure.value.subFailure)

    @editing
    def historyRestore(self, version):
        """Make the worksheet what it was at ``version``, as new changes; answers with the
        new last version."""
        return history.restoreVersion(self.hub, _version(version), self.identity.name)

    @editing
    def historyRestoreCell(self, version, cellId):
        """Give one cell its text of ``version`` (back as a new cell if deleted); answers with
        its id."""
        if type(cellId) is not int:
            raise BadArguments(f"A cell is named by its id, an integer, not {cellId!r}.")
        return history.restoreCell(self.hub, _version(version), cellId, self.identity.name)

    @editing
    def historyName(self, version, name):
        """Name ``version`` ("before the exam"); answers with the name's record."""
        return self.hub.store.name_version(self.hub.worksheetId, _name(name), _version(version),
                                           who=self.identity.name).addCallback(self._named)

    @editing
    def historySnapshot(self, name):
        """The owner's snapshot of the last version with every cell's outputs as they are now."""
        if not self.identity.isOwner:
            raise NotAllowed(f"Only the worksheet's owner can keep a snapshot with outputs; you "
                             f"({self.identity.name}) cannot, so nothing was kept.")
        return history.snapshotWithOutputs(self.hub, _name(name), self.identity.name).addCallback(
            self._named)

    def _named(self, record):
        self.hub.audience.tell(lambda viewer: viewer.historyNamed())
        return record

    @answering
    def historyOutputs(self, nameId):
        """The outputs kept with a snapshot: {"name", "version", "outputs": {cell id: [...]}}."""
        if type(nameId) is not int:
            raise BadArguments(f"A snapshot is named by its number, not {nameId!r}.")
        return self.hub.store.named_outputs(self.hub.worksheetId, nameId)
