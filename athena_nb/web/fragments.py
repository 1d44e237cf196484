"""The worksheet's live widgets: one viewer's page of a hub, and its cells.

Tests: tests/unit/test_hub_web*.py, tests/integration/test_notebook_live.py.

``WorksheetFragment`` is one viewer of a ``WorksheetHub``: the hub tells it about every change
and it forwards them to its browser; ``CellFragment`` is one cell in that viewer's page. Every
exposed method that changes anything checks the viewer's role first (``@editing``), so a
read-only viewer is refused on the server, with nothing changed, whatever its browser sends.

A cell's run state and output reach the browser as the cell's *latest value*
(``notifyLatest``): when the page sends, one "update" is made from the cell as it is then,
carrying the output events this viewer has not been sent yet.  How often that is, for whom
first, is the page's ``Flusher``'s decision, not the fragment's.  Viewers at the same point of
a cell share one encoded update (``CellModel.shared``).  What the hub tells every viewer goes
to the browsers as notifications: no answer comes back, so a viewer costs one request per batch
of changes, not two.
"""

from __future__ import annotations

import functools
import secrets
from html import escape

from twisted.internet.defer import maybeDeferred
from twisted.logger import Logger

from livefragments import BadArguments, Closed, LiveFragment, Refused, RemoteError, Shared, expose

from .. import ot
from ..cells import compactNumbered, numbered
from ..hub import HubError
from ..kernel import KernelError
from ..store import MAX_TITLE, CellKind, StoreError

log = Logger()

#: The notebook's refusals: their message is meant for the person who asked, so they are sent
#: as they are.  Anything else an exposed method raises is a bug (livefragments logs it and
#: tells the caller an error id); bad arguments are refused with ``BadArguments``.
_TOLD = (HubError, ot.OperationError, StoreError, KernelError)

class NotAllowed(Refused):
    """A viewer asked for a change its role does not allow; nothing was changed."""


class WorksheetClosed(Closed):
    """Why the server closed a worksheet page (revoked access, trash, shutdown); its own type
    so that the page shows the sentence instead of a bare "closed"."""


def _refusal(failure):
    error = failure.value
    if isinstance(error, _TOLD):
        raise RemoteError(getattr(error, "type", None) or type(error).__name__, str(error))
    return failure


def answering(method):
    """Expose ``method``; the notebook's refusals reach the browser as ``{type, message}``."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        return maybeDeferred(method, self, *args, **kwargs).addErrback(_refusal)

    return expose(wrapper)


def editing(method):
    """Like ``answering``, for methods that change the worksheet: only editors may call them."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if not self.identity.canEdit():
            raise NotAllowed(
                f"You ({self.identity.name}) have read-only access to this worksheet, so you "
                "cannot change it or run its cells; nothing was changed.")
        return method(self, *args, **kwargs)

    return answering(wrapper)


def _sharedUpdate(cell, start: int, since: int) -> Shared:
    """The update of ``cell`` from output ``start`` on, with the outputs before it replaced
    after revision ``since``, encoded once for all its viewers."""
    shared = cell.shared()
    key = (start, since if start else 0)
    update = shared.get(key)
    if update is None:
        value = {"generation": cell.generation, "start": start,
                 "outputs": numbered(cell.outputs[start:], start), "run": cell.runInfo()}
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


def _sharedView(cell) -> Shared:
    """A cell's kind and, for a text cell, its rendered HTML, encoded once for all its
    viewers per version of its text."""
    html, shared = cell.viewShared()
    view = shared.get("view")
    if view is None:
        view = shared["view"] = Shared({"kind": cell.kind.value, "version": cell.version,
                                        "html": html})
    return view


def _button(label: str, action: str, extra: str = "", kind: str = "nb-button") -> str:
    """A locked button.  Until its widgets are live in the browser, a worksheet renders busy,
    with its inputs read-only and its buttons disabled, and the widgets unlock what the viewer
    may use: nothing typed or clicked before the page can send it is lost."""
    return (f'<button type="button" class="{kind}" data-action="{action}"{extra} disabled>'
            f"{escape(label)}</button>")


class CellFragment(LiveFragment):
    jsClass = "athena_nb/cell.js:Cell"
    tagName = "section"

    def __init__(self, worksheet: WorksheetFragment, cellId: int):
        super().__init__()
        self.worksheet = worksheet
        self.hub = worksheet.hub
        self.identity = worksheet.identity
        self.cellId = cellId
        # the generation, output count, revision and run the viewer has
        self._sent = (0, 0, 0, None)
        self._sentView = (None, None)  # the kind and rendered version the viewer has

    @property
    def cell(self):
        return self.hub.cell(self.cellId)

    def elementAttributes(self) -> dict[str, str]:
        number = self.hub.cells.index(self.hub.findCell(self.cellId)) + 1
        return {"class": "nb-cell", "role": "group", "aria-label": f"Cell {number}",
                "data-cell-id": str(self.cellId), "data-state": self.cell.state.value,
                "data-kind": self.cell.kind.value}

    def render(self) -> str:
        # Locked until the widget is live (see _button).
        cell = self.cell
        return (
            '<div class="nb-cell-gutter" aria-hidden="true">'
            f'<span class="nb-count">[{cell.count if cell.count is not None else " "}]</span></div>'
            '<div class="nb-cell-main"><div class="nb-cell-top">'
            f'<textarea class="nb-input" aria-label="Cell input" spellcheck="false" rows="1"'
            f' autocapitalize="off" autocomplete="off" readonly>{escape(cell.text)}</textarea>'
            # A text cell's HTML (sanitised by athena_nb/render), shown unless it is edited.
            f'<div class="nb-md" aria-label="Text cell" tabindex="-1">{cell.rendered() or ""}</div>'
            '<div class="nb-cell-actions">'
            + _button("Run", "run")
            + _button("Delete cell", "delete")
            + _button("⋯", "more", ' aria-expanded="false" aria-label="More actions for this cell"',
                      kind="nb-button nb-more")
            + '<div class="nb-menu" hidden>'
            + "".join(_button(label, action) for label, action in (
                ("Insert cell above", "insertAbove"), ("Insert cell below", "insertBelow"),
                ("Move up", "moveUp"), ("Move down", "moveDown"),
                ("Split at cursor", "split"), ("Join with next", "join"),
                ("Clear output", "clear"), ("Evaluate cells above", "runAbove"),
                ("Make text cell (Esc, M)", "toText"), ("Make code cell (Esc, Y)", "toCode")))
            + "</div></div></div>"
            f'<div class="nb-cell-info"><span class="nb-state">{escape(cell.state.value)}</span>'
            '<span class="nb-here"></span></div>'
            '<div class="nb-output" role="region" aria-label="Cell output"></div></div>'
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
            "outputs": compactNumbered(cell.outputs),
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
        if generation != cell.generation:
            return [_sharedUpdate(cell, 0, 0)]
        return [_sharedUpdate(cell, end, revision)]

    @staticmethod
    def _now(cell) -> tuple:
        return (cell.generation, len(cell.outputs), cell.revision, cell.runInfo())

    # -- from the browser --------------------------------------------------------------------

    @editing
    def edit(self, op, baseVersion):
        """Apply an OT op; answers with its version once it is saved."""
        return self.hub.edit(self.cellId, op, baseVersion, self.worksheet.viewerId)

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
        """Everything about the cell's run now; the next update continues from it."""
        cell = self.cell
        self._sent = self._now(cell)
        return {"generation": cell.generation, "length": len(cell.outputs),
                "outputs": compactNumbered(cell.outputs), "run": cell.runInfo()}

    @editing
    def run(self):
        return self.hub.run(self.cellId, self.identity.name)

    @editing
    def runAbove(self):
        return self.hub.runAbove(self.cellId, self.identity.name)

    @editing
    def delete(self):
        return self.hub.deleteCell(self.cellId)

    @editing
    def move(self, by):
        if by not in (-1, 1):
            raise BadArguments(f"A cell moves by -1 (up) or 1 (down), not {by!r}.")
        return self.hub.moveCell(self.cellId, by=by)

    @editing
    def insert(self, where):
        if where not in ("above", "below"):
            raise BadArguments(f"A cell is inserted 'above' or 'below', not {where!r}.")
        return self.hub.insertCell(**{where: self.cellId})

    @editing
    def split(self, at, version):
        return self.hub.splitCell(self.cellId, at, version)

    @editing
    def joinNext(self):
        return self.hub.joinWithNext(self.cellId)

    @editing
    def clear(self):
        return self.hub.clearOutputs(self.cellId)

    @editing
    def setKind(self, kind):
        """Make the cell "code" or "text"; answers with the kind."""
        if kind not in ("code", "text"):
            raise BadArguments(f"A cell is 'code' or 'text', not {kind!r}.")
        return self.hub.setKind(self.cellId, kind)

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


class WorksheetFragment(LiveFragment):
    """One person's view of a worksheet; it is a viewer of the hub while its page lives."""

    jsClass = "athena_nb/worksheet.js:Worksheet"
    tagName = "main"

    def __init__(self, hub, identity, base: str):
        super().__init__()
        self.hub = hub
        self.identity = identity
        self.base = base
        self.viewerId = secrets.token_hex(8)
        self.cellFragments: dict[int, CellFragment] = {}
        self.joined = False
        self._sentKernel: dict | None = None  # the kernel state the viewer has
        for cell in hub.cells:
            if not cell.leaving:
                self._addCell(cell.id)

    def _addCell(self, cellId: int) -> CellFragment:
        fragment = CellFragment(self, cellId)
        self.cellFragments[cellId] = fragment
        self.addChild(fragment)
        return fragment

    def join(self) -> None:
        """Become a viewer of the hub (the page is ready to send)."""
        self.hub.addViewer(self, self.identity.name, self.identity.role)
        self.joined = True

    def elementAttributes(self) -> dict[str, str]:
        return {"class": "nb-worksheet", "data-role": self.identity.role, "aria-busy": "true",
                "data-typeset": "true" if self.hub.typeset else "false"}

    def render(self) -> str:
        ro = not self.identity.canEdit()
        toolbar = "".join(_button(label, action) for label, action in (
            ("Run all", "runAll"), ("Interrupt", "interrupt"), ("Restart", "restart"),
            ("Add cell", "addCell"), ("Clear all outputs", "clearAll")))
        toolbar += _button("Typeset", "typeset", ' aria-pressed="{}" title="Show LaTeX outputs '
                           'typeset (on) or as plain text (off), for everyone"'.format(
                               "true" if self.hub.typeset else "false"))
        # A display preference of the browser (worksheet.js unlocks it for viewers too).
        toolbar += _button("Line numbers", "lineNumbers", ' aria-pressed="false"')
        cells = "".join(self.renderChild(f) for f in self.cellFragments.values())
        return (
            '<header class="nb-header">'
            '<a class="nb-home" href="/">athena-nb</a>'
            f'<input class="nb-title" type="text" aria-label="Worksheet title" maxlength="500"'
            f' value="{escape(self.hub.title)}" readonly>'
            '<span class="nb-saved" role="status" data-saved="true">Saved</span>'
            '<ul class="nb-presence" aria-label="People viewing this worksheet"></ul>'
            "</header>"
            f'<div class="nb-toolbar" role="toolbar" aria-label="Worksheet">{toolbar}'
            '<span class="nb-kernel" role="status"></span>'
            + ('<span class="nb-readonly">Read-only</span>' if ro else "")
            + "</div>"
            '<p class="nb-error" role="alert" hidden></p>'
            f'<div class="nb-cells">{cells}</div>'
            '<p class="nb-keys">Shift-Enter runs a cell and moves on, Ctrl-Enter runs it in place, '
            "Tab completes or indents, Ctrl-/ comments lines out, Ctrl-F searches the cell, "
            "Escape then Tab leaves a cell; Escape then M makes it a text cell, Escape then Y a "
            "code cell; double-click or Enter edits a text cell.</p>"
        )

    def getInitialArguments(self) -> list:
        return [{
            "worksheetId": self.hub.worksheetId,
            "title": self.hub.title,
            "viewerId": self.viewerId,
            "name": self.identity.name,
            "role": self.identity.role,
            "canEdit": self.identity.canEdit(),
            "presence": self.hub.presence(),
            "kernel": self._initialKernel(),
            "typeset": self.hub.typeset,
            "base": self.base,
        }]

    # -- the hub tells us (Viewer) -----------------------------------------------------------

    def cellInserted(self, index: int, cell) -> None:
        fragment = self._addCell(cell.id)
        self.notifyRemote("insertCell", index, fragment)

    def cellRemoved(self, cellId: int) -> None:
        fragment = self.cellFragments.pop(cellId, None)
        if fragment is not None:
            fragment.detach()

    def cellMoved(self, cellId: int, index: int) -> None:
        self.notifyRemote("moveCell", cellId, index)

    def cellText(self, cell, op, version: int, siteId: str) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None:
            fragment.textChanged(cell, op, version, siteId)

    def cellCursor(self, cell, siteId: str, name: str, anchor: int, head: int,
                   version: int) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None and siteId != self.viewerId:
            fragment.notifyRemote("cursor", siteId, name, anchor, head, version)

    def cellChanged(self, cell) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None:
            fragment.changed()

    def cellKindChanged(self, cell) -> None:
        fragment = self.cellFragments.get(cell.id)
        if fragment is not None:
            fragment.kindChanged()

    def typesetChanged(self) -> None:
        self.notifyLatest("typeset", "setTypeset", lambda: [self.hub.typeset])

    def titleChanged(self, title: str) -> None:
        self.notifyLatest("title", "setTitle", lambda: [self.hub.title])

    def presenceChanged(self, changes: list[dict]) -> None:
        self.notifyRemote("updatePresence", changes)

    def kernelChanged(self) -> None:
        """The kernel's state changed: the viewer's next send carries it (it often changes
        back at once, as cells run back to back: it settles, and a state the viewer has
        already is not sent again)."""
        self.notifyLatest("kernel", "setKernel", self._kernelUpdate, settle=True)

    def _initialKernel(self) -> dict:
        self._sentKernel = self.hub.kernelInfo()
        return self._sentKernel

    def _kernelUpdate(self) -> list | None:
        info = self.hub.kernelInfo()
        if info == self._sentKernel:
            return None
        self._sentKernel = info
        return [info]

    def hubClosed(self, reason: str) -> None:
        self.joined = False
        self.closeView(reason)

    def closeView(self, reason: str) -> None:
        if self.page is not None:
            self.page.close(WorksheetClosed(reason))

    def connectionLost(self, reason) -> None:
        if self.joined:
            self.joined = False
            self.hub.removeViewer(self)

    # -- from the browser --------------------------------------------------------------------

    @answering
    def focus(self, cellId):
        """Presence: this viewer is now in cell ``cellId`` (None: in none)."""
        if cellId is not None and type(cellId) is not int:
            raise BadArguments(f"A cell id is an integer or null, not {cellId!r}.")
        self.hub.setFocus(self.viewerId, cellId)

    @editing
    def setTitle(self, title):
        if not isinstance(title, str) or not 0 < len(title.strip()) <= MAX_TITLE:
            raise BadArguments(f"A worksheet title is text of 1 to {MAX_TITLE} characters, "
                               "not counting spaces around it.")
        try:
            title.encode("utf-8")
        except UnicodeEncodeError:
            raise BadArguments("A worksheet title must be valid Unicode text.")
        return self.hub.setTitle(title)

    @editing
    def addCell(self, index=None):
        """Insert an empty cell at ``index`` (default: the end); answers with its id."""
        return self.hub.insertCell(index)

    @editing
    def runAll(self):
        return self.hub.runAll(self.identity.name)

    @editing
    def interrupt(self):
        return self.hub.interrupt()

    @editing
    def restart(self):
        return self.hub.restart().addCallback(lambda _: None)

    @editing
    def clearAll(self):
        return self.hub.clearOutputs()

    @editing
    def setTypeset(self, on):
        return self.hub.setTypeset(on)
