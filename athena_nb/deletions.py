"""Deleted cells that can be brought back: the hub's memory of its last deletions, and putting
one back where it was.

Tests: tests/unit/test_hub_undo.py, tests/browser/test_cell_undo.py.

Deleting a cell removes it from the store at once (its row, outputs and file records; the files
themselves stay on disk). The hub keeps what is needed to put it back whole (text, kind, run
state, execution count, who ran it, outputs, file records and where it stood) for its last
``KEPT`` deletions, while it is open: undoing a deletion is something one does right after it
(Escape then Z, or the "Cell deleted — Undo" notice), not days later. Restoring inserts a new
cell (a new id, its text at version 0) next to the cell that was above it, or else above the
one that was below it, or else at its old index, and every viewer sees it arrive with its
outputs. A cell deleted while it was queued or running comes back interrupted.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from twisted.internet.defer import Deferred

from .cells import CellModel, chunksOf
from .huberrors import BadRequest
from .quotas import QuotaExceeded, storedSize
from .store import CellKind, RunState

#: How many deletions each open worksheet can undo.
KEPT = 20


@dataclass(frozen=True)
class DeletedCell:
    """A cell as it was when it was deleted, and where it stood."""

    id: int
    index: int
    above: int | None
    below: int | None
    text: str
    kind: CellKind
    state: RunState
    count: int | None
    ranBy: str | None
    outputs: tuple[dict, ...]
    files: tuple[str, ...]


class Deletions:
    """The last ``KEPT`` cells deleted from one hub, by their old id."""

    def __init__(self, kept: int = KEPT):
        self.kept = kept
        self._cells: OrderedDict[int, DeletedCell] = OrderedDict()

    def remember(self, cells: list[CellModel], cell: CellModel) -> DeletedCell:
        """Note ``cell`` (still in ``cells``, the hub's list) as it is now, before it goes."""
        index = cells.index(cell)
        stays = [c for c in cells if c is cell or not c.leaving]
        at = stays.index(cell)
        above = stays[at - 1].id if at > 0 else None
        below = stays[at + 1].id if at + 1 < len(stays) else None
        state = RunState.INTERRUPTED if cell.active else cell.state
        return DeletedCell(cell.id, index, above, below, cell.text, cell.kind, state, cell.count,
                           cell.ranBy, tuple(cell.outputs), tuple(cell.files))

    def add(self, deleted: DeletedCell) -> None:
        self._cells[deleted.id] = deleted
        while len(self._cells) > self.kept:
            self._cells.popitem(last=False)

    def take(self, cellId) -> DeletedCell:

        deleted = self._cells.pop(cellId, None) if type(cellId) is int else None
        if deleted is None:
            raise BadRequest("That cell cannot be brought back: only the last "
                             f"{self.kept} cells deleted since the worksheet was opened can be.")
        return deleted

    def putBack(self, deleted: DeletedCell) -> None:
        """Restoring failed: it can be tried again."""
        self._cells[deleted.id] = deleted


def placeOf(cells: list[CellModel], deleted: DeletedCell) -> int:
    """Where a deleted cell goes back: below the cell that was above it, else above the one
    that was below it, else at its old index (or the end)."""
    ids = [c.id for c in cells]
    if deleted.above in ids:
        return ids.index(deleted.above) + 1
    if deleted.below in ids:
        return ids.index(deleted.below)
    return min(deleted.index, len(cells))


def delete(hub, cellId, who: str | None = None) -> Deferred:
    """Delete the cell (the hub's structure lock held), remembering it; fires with its id."""
    cell = hub.cell(cellId)
    cell.leaving = True
    deleted = hub.deletions.remember(hub.cells, cell)
    hub.runner.forget(cell)

    def removed(_):
        hub._removed(cell)
        hub.deletions.add(deleted)
        if any(not c.leaving for c in hub.cells):
            return cell.id
        # The last one: the worksheet keeps a cell to type into, an empty one, as Jupyter's
        # does (told to every viewer before the answer; Z puts the deleted one back above it).
        d = hub.store.insert_cell(hub.worksheetId, 0, "", who=who).addCallback(hub._inserted)
        return d.addBoth(lambda _: cell.id)  # deleted, whether or not the new cell was made

    return hub.store.delete_cell(cell.id, who=who).addCallbacks(removed, hub._stayed, errbackArgs=(cell,))


def restore(hub, cellId, who: str | None = None) -> Deferred:
    """Put the deleted cell ``cellId`` back; fires with its new id once every viewer was told."""

    def change():
        deleted = hub.deletions.take(cellId)
        try:  # a cell brought back counts like a new one (quotas.py)
            hub.quotas.checkNewCell(sum(not c.leaving for c in hub.cells))
            hub.size.check(len(deleted.text) + sum(storedSize(o) for o in deleted.outputs))
        except QuotaExceeded:
            hub.deletions.putBack(deleted)
            raise
        d = hub.store.restore_cell(
            hub.worksheetId, placeOf(hub.cells, deleted), deleted.text, kind=deleted.kind,
            state=deleted.state, execution_count=deleted.count, ran_by=deleted.ranBy,
            outputs=chunksOf(list(deleted.outputs)), files=deleted.files, who=who)

        def failed(failure):
            hub.deletions.putBack(deleted)
            return failure

        return d.addCallbacks(hub._inserted, failed)

    return hub._locked(change)
