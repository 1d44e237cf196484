"""History on a live worksheet: bringing back a past version or one past cell, as new changes.

Tests: tests/unit/test_history.py.

The store keeps the log and replays it (athena_nb/store/_history.py, docs/storage.md
"History"). Here a restore is made of the hub's ordinary calls (edits, inserts, deletes, moves,
kind and title changes) by the person who restores, so every viewer sees it at once, it is in
the history itself, and the undo of a deleted cell still works. Cells are matched by id: a cell
still there gets its old text by one edit (its kind too); a cell deleted since comes back as a
new cell; a cell added since is deleted; then cells are moved into the old order.
"""

from __future__ import annotations

import itertools

from twisted.internet.defer import inlineCallbacks

from . import ot
from .cells import compact
from .hub import HubError

_sites = itertools.count(1)


class HistoryError(HubError):
    """A history request the hub refused; the message is a sentence for the person."""


def _site() -> str:
    return f"history-{next(_sites)}"


@inlineCallbacks
def _setCell(hub, cellId: int, text: str, kind: str, who: str):
    cell = hub.cell(cellId)
    if cell.doc.text != text:
        yield hub.edit(cellId, ot.diff(cell.doc.text, text), cell.doc.version, _site(), who=who)
    if cell.kind.value != kind:
        yield hub.setKind(cellId, kind, who)


@inlineCallbacks
def _insert(hub, index: int, text: str, kind: str, who: str):
    live = sum(not c.leaving for c in hub.cells)
    cellId = yield hub.insertCell(min(index, live), text=text, who=who)
    if kind != "code":
        yield hub.setKind(cellId, kind, who)
    return cellId


@inlineCallbacks
def restoreVersion(hub, version: int, who: str):
    """Make the worksheet what it was right after ``version``; fires with the new last version."""
    past = yield hub.store.history_at(hub.worksheetId, version)
    if past["title"] != hub.title:
        yield hub.setTitle(past["title"], who)
    ids: list[int] = []  # the live id of each past cell, in the past order
    wanted = {c["id"] for c in past["cells"]}
    for cell in list(hub.cells):
        if not cell.leaving and cell.id not in wanted:
            yield hub.deleteCell(cell.id, who)
    for index, old in enumerate(past["cells"]):
        if hub.findCell(old["id"]) is not None and not hub.findCell(old["id"]).leaving:
            yield _setCell(hub, old["id"], old["text"], old["kind"], who)
            ids.append(old["id"])
        else:
            ids.append((yield _insert(hub, index, old["text"], old["kind"], who)))
    for index, cellId in enumerate(ids):
        if hub.findCell(cellId) is not None and hub.indexOf(cellId) != index:
            yield hub.moveCell(cellId, index=index, who=who)
    info = yield hub.store.history_info(hub.worksheetId)
    return info["last"]


@inlineCallbacks
def restoreCell(hub, version: int, cellId: int, who: str):
    """Give the cell its text and kind of ``version`` (bringing it back as a new cell where it
    was if it is gone); fires with the cell's id."""
    past = yield hub.store.history_at(hub.worksheetId, version)
    found = [(i, c) for i, c in enumerate(past["cells"]) if c["id"] == cellId]
    if not found:
        raise HistoryError(f"Cell {cellId} was not in this worksheet at version {version}, so "
                           "it cannot be restored from there; nothing was changed.")
    index, old = found[0]
    live = hub.findCell(cellId)
    if live is not None and not live.leaving:
        yield _setCell(hub, cellId, old["text"], old["kind"], who)
        return cellId
    return (yield _insert(hub, index, old["text"], old["kind"], who))


def snapshotWithOutputs(hub, name: str, who: str):
    """Name the last version, keeping every cell's outputs as they are now."""
    outputs = {str(c.id): compact(c.outputs) for c in hub.cells if not c.leaving}
    return hub.store.name_version(hub.worksheetId, name, who=who, outputs=outputs)
