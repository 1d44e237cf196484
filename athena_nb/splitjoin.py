"""Splitting a cell in two and joining a cell with the next, for the hub (``splitCell``,
``joinWithNext``), and the edits still on their way to a cell that was joined into the one
above.

Tests: tests/unit/test_hub.py (split, join, an edit that lands in the joined cell).

Both run under the hub's structure lock. The hub edits the text itself (an OT operation of its
own, sequenced like anyone's) and the store makes the new cell or drops the joined one in one
call; every viewer is told after the commit. A joined cell's last ``JOINED_KEPT`` documents are
kept, so that an edit typed into it before its person saw the join lands in the cell above,
where its text now is, instead of being refused.
"""

from __future__ import annotations

from typing import NamedTuple

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from . import ot, textcells
from .huberrors import BadRequest
from .store import CellKind

log = Logger()

#: How many joined cells keep taking the edits that were on their way to them.
JOINED_KEPT = 100


class Joined(NamedTuple):
    """A cell joined into the one above: its text went to ``into`` at ``offset``, where
    ``into`` was at ``version``; ``frozen`` is the joined cell's document as it was then, and
    ``kind`` its kind (an undone join gives it back)."""

    into: int
    offset: int
    frozen: ot.TextDocument
    version: int
    kind: CellKind


def editJoined(hub, joined: Joined, op: ot.Operation, baseVersion: int, siteId: str,
               follows: int = 0) -> Deferred:
    """An edit that was on its way to a cell while it was joined into the one above: it
    goes where that cell's text now is, instead of being refused with the cell gone.

    It is sequenced as the join's own (a site id of its own), so every viewer, its sender
    too, gets it as someone else's op: the sender's page has no such cell any more."""
    into = hub.cell(joined.into)
    # Past the cell's last edits before the join (and the sender's own still unanswered).
    op = joined.frozen.catchUp(op, baseVersion, siteId, follows)
    shifted = ot.Operation([c._replace(at=c.at + joined.offset) for c in op.components])
    hub._checkGrowth(into, shifted)
    siteId = f"join-{next(hub._joinEdits)}"
    applied, version = into.doc.receive(shifted, joined.version, siteId)
    hub._each(lambda v: v.cellText(into, applied, version, siteId))
    return hub._storeText(into, version, applied, None)


def split(hub, cellId: int, at: int, version: int, who: str | None) -> Deferred:
    """``hub.splitCell``: the text after ``at`` (in the text at ``version``) goes to a new cell
    below; fires with its id."""
    cell = hub.cell(cellId)
    hub.quotas.checkNewCell(sum(not c.leaving for c in hub.cells))
    if type(at) is not int or at < 0:
        raise BadRequest(f"A split point must be an integer >= 0, not {at!r}.")
    for entry in cell.doc.opsSince(version):
        at = ot.transformCursor(at, entry.op)
    text = cell.doc.text
    at = min(at, len(text))
    # The store's rule: a line break at the split point becomes the boundary.
    start, tailStart = at, at
    if at > 0 and text[at - 1] == "\n":
        start -= 1
    elif text[at:at + 1] == "\n":
        tailStart += 1
    op = ot.Operation.delete(start, len(text) - start) if start < len(text) else ot.Operation()
    d = hub.store.split_cell(cell.id, at, who=who)
    hub._hubEdit(cell, op)
    expected = (text[:start], text[tailStart:])

    def stored(cells):
        first, second = cells
        if (first.text, second.text) != expected:
            log.error("Split of cell {id} stored {got!r}, expected {want!r}",
                      id=cell.id, got=(first.text, second.text), want=expected)
        return hub._inserted(second)

    return d.addCallback(stored)


def join(hub, cellId: int, who: str | None) -> Deferred:
    """``hub.joinWithNext``: the next cell's text goes to the end of this one's, on a line of
    its own, and the next cell is deleted."""
    cell = hub.cell(cellId)
    index = hub.cells.index(cell)
    following = [c for c in hub.cells[index + 1:] if not c.leaving]
    if not following:
        raise BadRequest("This is the last cell; there is no next cell to join it with.")
    nxt = following[0]
    nxt.leaving = True
    hub.runner.forget(nxt)
    addition = ("\n" + nxt.text if cell.text else nxt.text) if nxt.text else ""
    d = hub.store.join_cell_with_next(cell.id, who=who)
    op = ot.Operation.insert(len(cell.text), addition) if addition else ot.Operation()
    offset = len(cell.text) + len(addition) - len(nxt.text)
    hub._hubEdit(cell, op)
    hub._joined[nxt.id] = Joined(cell.id, offset, nxt.doc, cell.doc.version, nxt.kind)
    while len(hub._joined) > JOINED_KEPT:
        del hub._joined[next(iter(hub._joined))]

    def stayed(failure):
        hub._joined.pop(nxt.id, None)
        return hub._stayed(failure, nxt)

    def removed(_):
        hub._removed(nxt)
        return nxt.id  # what unjoin takes to separate them again

    d.addCallbacks(removed, stayed)
    return d


def unjoin(hub, joinedId: int, who: str | None) -> Deferred:
    """``hub.unjoinCell``: undo the join that took cell ``joinedId`` into the one above. The
    text from where the joined text began (as everyone has edited it since) goes to a new cell
    below, of the joined cell's kind; fires with its id. The joined cell's outputs went with
    the join (as Jupyter's merge drops them): running it again makes them."""
    joined = hub._joined.get(joinedId)
    into = hub._byId.get(joined.into) if joined is not None else None
    if joined is None or into is None or into.leaving:
        raise BadRequest("That join can no longer be undone: the cell it went into is gone, or "
                         "too many cells were joined since. History has the cells as they were.")

    def separated(newId: int):
        hub._joined.pop(joinedId, None)
        cell = hub.cell(newId)
        if cell.kind is joined.kind:
            return newId
        d = hub.store.set_cell_kind(newId, joined.kind, who=who)
        d.addCallback(lambda _: textcells.kindStored(hub, cell, joined.kind))
        return d.addCallback(lambda _: newId)

    return split(hub, into.id, joined.offset, joined.version, who).addCallback(separated)
