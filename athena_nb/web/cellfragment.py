"""``CellFragment``: one cell in one viewer's worksheet page.

Tests: tests/unit/test_hub_web*.py, tests/integration/test_notebook_live.py.

A cell's run state and output reach the browser as the cell's *latest value*
(``notifyLatest``): when the page sends, one "update" is made from the cell as it is then,
carrying the output events this viewer has not been sent yet.  How often that is, for whom
first, is the page's ``Flusher``'s decision, not the fragment's.  Viewers at the same point of
a cell share one encoded update (``CellModel.shared``).

A page of a long worksheet opens without the outputs of the cells below its first ones
(deferral.py): such a cell's viewer is sent only its run state (a *deferred* update) until the
browser asks for its outputs (``outputs``), as the cell nears the screen.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from livefragments import BadArguments, LiveFragment, Shared

from .. import ot
from ..cells import compactNumbered, numbered
from ..interactmodel import slim
from ..store import CellKind
from ._calls import _button, answering, editing
from .cellhelp import CellHelp
from .deferral import sizeOf
from .interactfragment import CellInteracts

#: The longest answer to a cell's input() (a line typed, or pasted).
MAX_ANSWER = 100_000

if TYPE_CHECKING:
    from .fragments import WorksheetFragment


def _sharedUpdate(cell, start: int, since: int) -> Shared:
    """The update of ``cell`` from output ``start`` on, with the outputs before it replaced
    after revision ``since``, encoded once for all its viewers."""
    shared = cell.shared()
    key = (start, since if start else 0)
    update = shared.get(key)
    if update is None:
        value = {"generation": cell.generation, "start": start,
                 "outputs": slim(numbered(cell.outputs[start:], start)), "run": cell.runInfo()}
        replaced = sorted(n for n, revision in cell.replaced.items()
                          if n < start and revision > since)
        if replaced:
            value["replace"] = [dict(cell.outputs[n], n=n) for n in replaced]
        update = shared[key] = Shared(value)
    return update


def _sharedOp(cell, op: ot.Operation) -> Shared:
    """The text operation ``op`` of ``cell``, encoded once for all its viewers (the hub gives
    each of them the same op)."""
    shared = cell.shared()
    last = shared.get("op")
    if last is None or last[0] is not op:
        last = shared["op"] = (op, Shared(op.toJSON()))
    return last[1]


def _sharedRun(cell) -> Shared:
    """A deferred update: the cell's run state alone, for the viewers without its outputs."""
    shared = cell.shared()
    run = shared.get("run")
    if run is None:
        run = shared["run"] = Shared({"deferred": True, "run": cell.runInfo()})
    return run


def _sharedView(cell) -> Shared:
    """A cell's kind and, for a text cell, its rendered HTML, encoded once for all its
    viewers per version of its text."""
    html, shared = cell.viewShared()
    view = shared.get("view")
    if view is None:
        view = shared["view"] = Shared({"kind": cell.kind.value, "version": cell.version,
                                        "html": html})
    return view


class CellFragment(CellHelp, LiveFragment):
    jsClass = "athena_nb/cell.js:Cell"
    tagName = "section"

    def __init__(self, worksheet: WorksheetFragment, cellId: int, deferred: bool = False,
                 number: int | None = None):
        super().__init__()
        self.worksheet = worksheet
        self.hub = worksheet.hub
        self.identity = worksheet.identity
        self.cellId = cellId
        # the generation, output count, revision and run the viewer has
        self._sent = (0, 0, 0, None)
        self._sentView = (None, None)  # the kind and rendered version the viewer has
        #: The viewer has not been sent the outputs (deferral.py); it asks with ``outputs``.
        self.deferred = deferred
        #: The cell's place from 1 when the page is made (found in the hub for a later cell).
        self.number = number
        self.interacts = CellInteracts(self)  # its @interact fragments

    @property
    def cell(self):
        return self.hub.cell(self.cellId)

    def elementAttributes(self) -> dict[str, str]:
        number = self.number or self.hub.cells.index(self.hub.findCell(self.cellId)) + 1
        self.number = None  # only the first rendering may trust it
        return {"class": "nb-cell", "role": "group", "aria-label": f"Cell {number}",
                "data-cell-id": str(self.cellId), "data-state": self.cell.state.value,
                "data-kind": self.cell.kind.value}

    def render(self) -> str:
        # Locked until the widget is live (see _button).  A read-only viewer is given only the
        # actions it can take (its menu, made by cell.js: copy, show or hide the output), no
        # button that would refuse.
        cell = self.cell
        editor = self.identity.canEdit()
        return (
            # Dragged by its gutter to another place (dragcells.js), for those who edit.
            '<div class="nb-cell-gutter" aria-hidden="true"'
            + (' draggable="true" title="Drag to move the cell"' if editor else "") + ">"
            f'<span class="nb-count">[{cell.count if cell.count is not None else " "}]</span></div>'
            '<div class="nb-cell-main"><div class="nb-cell-top">'
            # The text until the editor is made, as the cell nears the screen or is focused
            # (editor.js): a text box to screen readers, with the editor's name, read-only
            # until the page is live (cell.js unlocks it for whoever may edit). HTML drops
            # one newline right after <pre>: this one, never the text's own.
            '<pre class="nb-input nb-static" role="textbox" aria-multiline="true" tabindex="0"'
            f' aria-label="Cell input" aria-readonly="true">\n{escape(cell.text)}</pre>'
            # A text cell's HTML (sanitised by athena_nb/render), shown unless it is edited.
            f'<div class="nb-md" aria-label="Text cell" tabindex="-1">{cell.rendered() or ""}</div>'
            '<div class="nb-cell-actions">'
            + (_button("Run", "run")
               + _button("Cancel", "cancel", ' title="Take this cell out of the run queue: it '
                         'will not run"')
               + _button("Delete cell", "delete") if editor else "")
            + _button("⋯", "more", ' aria-expanded="false" aria-label="More actions for this cell"',
                      kind="nb-button nb-more")
            # The menu's items are made when it first opens (cell.js): in a worksheet of
            # thousands of cells they were most of the page.
            + '<div class="nb-menu" hidden></div>'
            + "</div></div>"
            f'<div class="nb-cell-info"><span class="nb-state">{escape(cell.state.value)}</span>'
            '<span class="nb-here"></span></div>'
            '<div class="nb-output" role="region" aria-label="Cell output"></div>'
            + self.interacts.markup() + "</div>"
        )

    def getInitialArguments(self) -> list:
        cell = self.cell
        self._sent = self._now(cell)
        self._sentView = (cell.kind, cell.version)
        return [{
            "cellId": cell.id,
            "kind": cell.kind.value,
            "text": cell.text,
            "version": cell.version,
            "generation": cell.generation,
            "length": len(cell.outputs),
            # Deferred: none, and about how tall they are (CSS pixels).
            "outputs": None if self.deferred else slim(compactNumbered(cell.outputs)),
            "estimate": sizeOf(cell)[1] if self.deferred else None,
            "run": cell.runInfo(),
            "canEdit": self.identity.canEdit(),
            "base": self.worksheet.base,
        }]

    # -- from the hub ------------------------------------------------------------------------

    def textChanged(self, cell, op: ot.Operation, version: int, siteId: str) -> None:
        if siteId == self.worksheet.viewerId:
            self.notifyRemote("ack", version)
        else:
            self.notifyRemote("remoteOp", _sharedOp(cell, op), version)
        if cell.kind is CellKind.TEXT:
            self.kindChanged()

    def kindChanged(self) -> None:
        """The cell's kind or a text cell's text changed: the viewer's next send carries the
        kind and the rendered text as they are then (typing settles)."""
        self.notifyLatest("view", "view", self._view, settle=True)

    def _view(self) -> list | None:  # None: the viewer has this view already
        cell = self.hub.findCell(self.cellId)
        if cell is None or (cell.kind, cell.version) == self._sentView:
            return None
        self._sentView = (cell.kind, cell.version)
        return [_sharedView(cell)]

    def changed(self) -> None:
        """The cell's run state or output changed: the viewer's next send carries it (one
        that is still queued or running may change again soon: it settles)."""
        cell = self.hub.findCell(self.cellId)
        if cell is not None:
            self.notifyLatest("update", "update", self._update, settle=cell.active)
            self.interacts.cellChanged(cell)

    def _update(self) -> list | None:
        """What the viewer has not been sent of the cell, as it is now (None: nothing)."""
        cell = self.hub.findCell(self.cellId)
        if cell is None:
            return None
        generation, end, revision, run = self._sent
        sent = self._now(cell)
        if sent == self._sent:
            return None
        self._sent = sent
        if self.deferred:
            return None if sent[3] == run else [_sharedRun(cell)]
        if generation != cell.generation:
            return [_sharedUpdate(cell, 0, 0)]
        return [_sharedUpdate(cell, end, revision)]

    @staticmethod
    def _now(cell) -> tuple:
        return (cell.generation, len(cell.outputs), cell.revision, cell.runInfo())

    # -- from the browser --------------------------------------------------------------------

    @editing
    def edit(self, op, baseVersion, follows=0):
        """Apply an OT op (made after ``follows`` edits of this page still unanswered);
        answers with its version once it is saved."""
        return self.hub.edit(self.cellId, op, baseVersion, self.worksheet.viewerId,
                             follows=follows)

    @answering
    def cursor(self, anchor, head, baseVersion):
        """Where this viewer's selection is (code points at ``baseVersion``), for the others."""
        for value in (anchor, head, baseVersion):
            if type(value) is not int or value < 0:
                raise BadArguments(
                    f"A selection is two positions and a version, integers from 0; got {value!r}.")
        self.hub.cursor(self.cellId, anchor, head, baseVersion, self.worksheet.viewerId)

    @answering
    def text(self):
        """The cell's text and version now (to start again after StaleVersion)."""
        text, version = self.hub.textOf(self.cellId)
        return {"text": text, "version": version}

    @answering
    def outputs(self):
        """Everything about the cell's run now; the next update continues from it (a deferred
        cell's viewer asks for it as the cell nears its screen)."""
        cell = self.cell
        self.deferred = False
        self._sent = self._now(cell)
        return {"generation": cell.generation, "length": len(cell.outputs),
                "outputs": slim(compactNumbered(cell.outputs)), "run": cell.runInfo()}

    @editing
    def run(self):
        return self.hub.run(self.cellId, self.identity.name)

    @editing
    def runAbove(self):
        return self.hub.runAbove(self.cellId, self.identity.name)

    @editing
    def answer(self, text):
        """Answer the input() this cell waits on (False: it waits on none)."""
        if not isinstance(text, str) or len(text) > MAX_ANSWER:
            raise BadArguments(f"An answer to input() is text of at most {MAX_ANSWER} "
                               "characters.")
        return self.hub.answer(self.cellId, text)

    @editing
    def cancel(self):
        """Take this cell out of the run queue (False: it is not queued)."""
        return self.hub.cancel(self.cellId)

    @editing
    def delete(self):
        return self.hub.deleteCell(self.cellId, self.identity.name)

    @editing
    def move(self, by):
        if by not in (-1, 1):
            raise BadArguments(f"A cell moves by -1 (up) or 1 (down), not {by!r}.")
        return self.hub.moveCell(self.cellId, by=by, who=self.identity.name)

    @editing
    def moveBeside(self, cellId, where):
        """Move next to cell ``cellId``, "above" or "below" it (a drag and drop)."""
        if type(cellId) is not int or where not in ("above", "below"):
            raise BadArguments("A cell moves 'above' or 'below' another, named by its id (an "
                               f"integer), not {where!r} {cellId!r}.")
        return self.hub.moveCell(self.cellId, beside=(cellId, where == "below"),
                                 who=self.identity.name)

    @editing
    def insert(self, where):
        if where not in ("above", "below"):
            raise BadArguments(f"A cell is inserted 'above' or 'below', not {where!r}.")
        return self.hub.insertCell(**{where: self.cellId}, who=self.identity.name)

    @editing
    def paste(self, where, cells):
        """Insert copied cells (a list of {"kind", "text"}) above or below; answers with their
        ids."""
        if where not in ("above", "below"):
            raise BadArguments(f"Cells are pasted 'above' or 'below', not {where!r}.")
        return self.hub.pasteCells(self.cellId, where == "below", cells, self.identity.name)

    @editing
    def split(self, at, version):
        return self.hub.splitCell(self.cellId, at, version, self.identity.name)

    @editing
    def joinNext(self):
        return self.hub.joinWithNext(self.cellId, self.identity.name)

    @editing
    def clear(self):
        return self.hub.clearOutputs(self.cellId)

    @editing
    def setKind(self, kind):
        """Make the cell "code" or "text"; answers with the kind."""
        if kind not in ("code", "text"):
            raise BadArguments(f"A cell is 'code' or 'text', not {kind!r}.")
        return self.hub.setKind(self.cellId, kind, self.identity.name)

    @editing
    def complete(self, code, cursor):
        if not isinstance(code, str) or type(cursor) is not int:
            raise BadArguments("complete takes the code (text) and the cursor (an integer).")
        return self.hub.complete(code, cursor)

    @editing
    def introspect(self, name, detail=0):
        if not isinstance(name, str) or detail not in (0, 1):
            raise BadArguments("introspect takes a name (text) and a detail of 0 or 1.")
        return self.hub.introspect(name, detail)
