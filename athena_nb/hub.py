"""One open worksheet, live: its cells, its kernel and its viewers.

Tests: tests/unit/test_hub.py, tests/unit/test_hub_run.py.

The ``WorksheetHub`` holds the worksheet's model (cells in order, each with its text document,
run state and outputs), its kernel (through a ``CellRunner``) and the viewers looking at it.
Every change goes through the hub, which writes it to the store and tells every viewer at once
through its ``Audience`` ("cell 7 changed"); when and how often each viewer's page sends it is
decided below the hub, in one place (livefragments' ``Flusher``). The hub knows nothing of the
web: a viewer is any object with the methods of ``Viewer`` below.

Ordering: text operations are sequenced at once by the cell's ``TextDocument`` and broadcast at
once; the store writes every version in that order, and the sender's call answers when its
version is committed ("saved"). Structure changes (insert, delete, move, split, join) are
serialised by a lock and broadcast after their commit, so every viewer sees them in one order.
A History restore (history.py) also holds the edits that come while the store writes it, and
sequences them after its own.
"""

from __future__ import annotations

import enum
import itertools

from twisted.internet.defer import Deferred, DeferredLock, maybeDeferred, succeed
from twisted.logger import Logger

from . import deletions, ot, paste, splitjoin, systems, textcells
from .audience import Audience, Viewer
from .cells import CellModel
from .filesquota import FilesQuota
from .huberrors import BadRequest, HubClosed, HubError, NoSuchCell
from .quotas import Quotas, SizeCheck, worksheetChars
from .runner import CellRunner
from .store import RunState

log = Logger()

#: Cell text beyond this many characters is refused (it would make every message huge).
MAX_CELL_CHARS = 1_000_000


class HubState(enum.Enum):
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class WorksheetHub:
    """Make one with ``HubRegistry.open``; ``snapshot`` is the store's ``WorksheetSnapshot``.

    ``kernelSource(cwd, system)`` returns a Deferred firing with a started Kernel working in
    ``cwd`` for a worksheet whose system is ``system``.
    """

    def __init__(self, reactor, store, snapshot, directory: str, kernelSource, *,
                 outputFlushSeconds: float = 0.2, historyLimit: int = 1000,
                 defaultSystem: str | None = None, quotas: Quotas | None = None):
        self.reactor = reactor
        self.store = store
        self.worksheetId: str = snapshot.worksheet.id
        self.title: str = snapshot.worksheet.title
        self.typeset: bool = snapshot.metadata.get(textcells.TYPESET_KEY) is not False
        self.typesetResults: bool = snapshot.metadata.get(textcells.RESULTS_KEY) is True
        #: What its cells run as when they name no mode (systems.py; None: as its kernel's).
        self.system: str | None = systems.storedSystem(snapshot.metadata, defaultSystem)
        self.directory = directory
        self.quotas = quotas or Quotas()
        self.size = SizeCheck(self.quotas, lambda: worksheetChars(self.cells))
        self.cells: list[CellModel] = [CellModel.fromStore(c, historyLimit) for c in snapshot.cells]
        self._byId: dict[int, CellModel] = {c.id: c for c in self.cells}  # every viewer looks up
        self._joined: dict[int, splitjoin.Joined] = {}  # cells joined into the one above, newest last
        self._joinEdits = itertools.count(1)  # each moved edit is a site of its own
        self._held: list | None = None  # edits waiting for a restore's commit (holdEdits)
        self.state = HubState.OPEN
        self.audience = Audience(reactor)
        self._structure = DeferredLock()
        self.deletions = deletions.Deletions()  # the last cells deleted, to bring back
        #: Called with the hub whenever it may have become idle (no viewers, nothing running).
        self.onIdle = None
        #: what protects its kernel (Isolation.summary()), shown on the page; None: not known
        self.kernelProtection: dict | None = None
        #: Called with each cell the runner changed (state or outputs), after the viewers are
        #: told: the REST API follows its runs so (athena_nb/web/api/runs.py).
        self.cellWatchers: list = []
        #: the server's kernel pools (KernelPools), whose size and memory the page shows
        self.kernelPools = None
        self.runner = CellRunner(self, kernelSource, outputFlushSeconds)
        self.interacts = self.runner.interacts  # the cells' @interact (interacts.py)
        #: the size of its directory against quotas.maxFilesBytes; past it, no cell runs
        self.filesQuota = FilesQuota(self)

    # -- looking things up -------------------------------------------------------------------

    def cell(self, cellId) -> CellModel:
        cell = self._byId.get(cellId)
        if cell is not None and not cell.leaving:
            return cell
        raise NoSuchCell(f"This worksheet has no cell {cellId!r}; it may have been deleted.")

    def indexOf(self, cellId) -> int:
        return self.cells.index(self.cell(cellId))

    def findCell(self, cellId) -> CellModel | None:
        """The cell with this id, also while it is leaving, or None."""
        return self._byId.get(cellId)

    @property
    def busy(self) -> bool:
        """True while a cell is queued or running: the hub then stays open without viewers."""
        return self.runner.busy

    @property
    def idle(self) -> bool:
        return not self.viewers and not self.busy

    def _checkOpen(self) -> None:
        if self.state is not HubState.OPEN:
            raise HubClosed("This worksheet is closing; reload the page to open it again.")

    # -- viewers and presence ------------------------------------------------------------------

    def addViewer(self, viewer: Viewer, name: str, role: str) -> None:
        """Start telling ``viewer`` about every change; it must show the model as it is now."""
        self._checkOpen()
        self.audience.add(viewer, name, role)

    def removeViewer(self, viewer: Viewer) -> None:
        if self.audience.remove(viewer):
            self.maybeIdle()

    def setFocus(self, viewerId: str, cellId: int | None) -> None:
        """Presence: which cell the viewer is in (None: none)."""
        if cellId is not None:
            self.cell(cellId)
        self.audience.setFocus(viewerId, cellId)

    def setAway(self, viewerId: str, away: bool) -> None:
        """Presence: the viewer's page has lost its connection a while (or has it again)."""
        self.audience.setAway(viewerId, away)

    def presence(self) -> list[dict]:
        return self.audience.presence()

    @property
    def viewers(self) -> dict[str, Viewer]:
        return self.audience.viewers

    def _each(self, tell) -> None:
        self.audience.tell(tell)

    def maybeIdle(self) -> None:
        if self.idle and self.state is HubState.OPEN and self.onIdle is not None:
            self.onIdle(self)

    # -- cell text -----------------------------------------------------------------------------

    def edit(self, cellId: int, op, baseVersion: int, siteId: str,
             who: str | None = None, follows: int = 0) -> Deferred:
        """Apply ``op`` (made against ``baseVersion`` by ``siteId``, after the ``follows`` ops
        it sent before and has not seen acknowledged) to the cell's text.

        Every viewer is told at once (the sender gets an acknowledgement of its version); the
        Deferred fires with the new version once it is committed to the store. Raises the
        ``ot`` errors (``StaleVersion`` means: fetch the text again with ``textOf``).
        """
        self._checkOpen()
        if not isinstance(op, ot.Operation):
            op = ot.Operation.fromJSON(op)
        if self._held is not None:
            waiting = Deferred()
            self._held.append((waiting, (cellId, op, baseVersion, siteId, who, follows)))
            return waiting
        joined = self._joined.get(cellId)
        if joined is not None:
            return splitjoin.editJoined(self, joined, op, baseVersion, siteId, follows)
        cell = self.cell(cellId)
        self._checkGrowth(cell, op)
        applied, version = cell.doc.receive(op, baseVersion, siteId, follows)
        self._each(lambda v: v.cellText(cell, applied, version, siteId))
        return self._storeText(cell, version, applied, who or self.nameOf(siteId))

    def cursor(self, cellId: int, anchor: int, head: int, baseVersion: int, siteId: str) -> None:
        """``siteId``'s selection in the cell: code points in the text at ``baseVersion``, sent
        while it had no edit unconfirmed.  Every viewer is told it at the current version (the
        ops sequenced since moved it); one older than the kept history is dropped.  Raises
        ``UnknownVersion`` for a version not reached, ``OperationOutOfRange`` past the text."""
        self._checkOpen()
        cell = self.cell(cellId)
        try:
            since = cell.doc.opsSince(baseVersion)
        except ot.StaleVersion:
            return
        for entry in since:
            anchor = ot.transformCursor(anchor, entry.op)
            head = ot.transformCursor(head, entry.op)
        if not 0 <= min(anchor, head) <= max(anchor, head) <= len(cell.doc.text):
            raise ot.OperationOutOfRange(
                f"The selection {anchor}..{head} is outside the cell's text "
                f"({len(cell.doc.text)} characters).")
        # A caret in a cell puts its person there: a presence update that went out before their
        # own "focus" arrived would otherwise take the caret away again in the others' pages.
        self.audience.setFocus(siteId, cellId)
        entry = self.audience.presenceOf(siteId)
        name = entry["name"] if entry else "?"
        version = cell.doc.version
        self._each(lambda v: v.cellCursor(cell, siteId, name, anchor, head, version))

    def _checkGrowth(self, cell: CellModel, op: ot.Operation) -> None:
        growth = sum(len(c.text) for c in op.components if isinstance(c, ot.Insert))
        if len(cell.doc.text) + growth > MAX_CELL_CHARS:
            raise BadRequest(f"A cell can hold at most {MAX_CELL_CHARS} characters; this edit "
                             "would make it longer, so it was refused.")
        self.size.check(growth - sum(c.count for c in op.components if isinstance(c, ot.Delete)))

    def _storeText(self, cell: CellModel, version: int, op: ot.Operation, who) -> Deferred:
        """Save the text as ``version``; the history logs ``op`` by ``who`` (history.py)."""
        return self.store.set_cell_text(cell.id, cell.doc.text, version, op=op.toJSON(),
                                        who=who).addCallback(lambda _: version)

    def nameOf(self, siteId: str) -> str | None:
        """The name of the viewer ``siteId`` (None: not a viewer, such as the hub itself)."""
        entry = self.audience.presenceOf(siteId)
        return entry["name"] if entry else None

    def textOf(self, cellId: int) -> tuple[str, int]:
        cell = self.cell(cellId)
        return cell.doc.text, cell.doc.version

    def holdEdits(self) -> None:
        """Edits wait from now on, until ``releaseEdits``: a restore (history.py) holds them
        while the store writes its texts, so that no edit is sequenced between the text the
        restore was planned on and its own operation."""
        self._held = []

    def releaseEdits(self) -> None:
        """Apply the edits that waited, in the order they came (transformed past whatever the
        hub sequenced meanwhile)."""
        held, self._held = self._held or [], None
        for waiting, args in held:
            maybeDeferred(self.edit, *args).chainDeferred(waiting)

    def _hubEdit(self, cell: CellModel, op: ot.Operation) -> None:
        """An edit the hub itself makes (split, join, restore), sequenced like anyone's."""
        applied, version = cell.doc.receive(op, cell.doc.version, "hub")
        self._each(lambda v: v.cellText(cell, applied, version, "hub"))

    # -- structure -----------------------------------------------------------------------------

    def _locked(self, function, *args) -> Deferred:
        self._checkOpen()
        return self._structure.run(function, *args)

    def insertCell(self, index: int | None = None, *, above: int | None = None,
                   below: int | None = None, text: str = "", who: str | None = None) -> Deferred:
        """Insert a cell at ``index`` (None: at the end) or next to a cell; fires with its id."""
        return self._locked(self._insert, index, above, below, text, who)

    def _insert(self, index, above, below, text, who):
        self.quotas.checkNewCell(sum(not c.leaving for c in self.cells))
        self.size.check(len(text))
        if above is not None:
            d = self.store.insert_cell_above(self.cell(above).id, text, who=who)
        elif below is not None:
            d = self.store.insert_cell_below(self.cell(below).id, text, who=who)
        else:
            size = len(self.cells)
            if index is None:
                index = size
            if type(index) is not int or not 0 <= index <= size:
                raise BadRequest(f"A cell can be inserted at an index from 0 to {size}, not {index!r}.")
            d = self.store.insert_cell(self.worksheetId, index, text, who=who)
        return d.addCallback(self._inserted)

    def _inserted(self, stored) -> int:
        cell = CellModel.fromStore(stored)
        self.cells.insert(stored.index, cell)
        self._byId[cell.id] = cell
        self._each(lambda v: v.cellInserted(stored.index, cell))
        return cell.id

    def deleteCell(self, cellId: int, who: str | None = None) -> Deferred:
        """Delete the cell with its outputs (a running one is interrupted first); fires with
        its id, which ``restoreCell`` takes to bring it back (deletions.py)."""
        return self._locked(deletions.delete, self, cellId, who)

    def restoreCell(self, cellId: int, who: str | None = None) -> Deferred:
        """Bring a deleted cell back where it was; fires with its new id."""
        return deletions.restore(self, cellId, who)

    def _removed(self, cell: CellModel) -> None:
        self.cells.remove(cell)
        self._byId.pop(cell.id, None)
        self.audience.cellLeft(cell.id)
        self._each(lambda v: v.cellRemoved(cell.id))

    def _stayed(self, failure, cell: CellModel):
        cell.leaving = False
        return failure

    def moveCell(self, cellId: int, *, index: int | None = None, by: int | None = None,
                 beside: tuple[int, bool] | None = None, who: str | None = None) -> Deferred:
        """Move to ``index``, ``by`` places (-1 up, +1 down), or ``beside`` another cell (its
        id, and True for below it: a cell dragged there); fires with the new index."""
        return self._locked(self._move, cellId, index, by, beside, who)

    def _move(self, cellId, index, by, beside, who):
        cell = self.cell(cellId)
        if by is not None:
            index = max(0, min(len(self.cells) - 1, self.cells.index(cell) + int(by)))
        if beside is not None:  # named by id: others' moves meanwhile do not misplace it
            target = self.cell(beside[0])
            if target is cell:
                return succeed(self.cells.index(cell))
            index = [c for c in self.cells if c is not cell].index(target) + bool(beside[1])
        if type(index) is not int or not 0 <= index < len(self.cells):
            raise BadRequest(f"A cell can move to an index from 0 to {len(self.cells) - 1}, "
                             f"not {index!r}.")
        if index == self.cells.index(cell):
            return succeed(index)

        return self.store.move_cell(cell.id, index, who=who).addCallback(
            lambda _: self._moved(cell, index))

    def _moved(self, cell: CellModel, index: int) -> int:
        self.cells.remove(cell)
        self.cells.insert(index, cell)
        self._each(lambda v: v.cellMoved(cell.id, index))
        return index

    def splitCell(self, cellId: int, at: int, version: int, who: str | None = None) -> Deferred:
        """Split the text at ``at`` (a code point offset in the text at ``version``, moved past
        later edits); the tail goes to a new cell below. Fires with the new cell's id."""
        return self._locked(splitjoin.split, self, cellId, at, version, who)

    def joinWithNext(self, cellId: int, who: str | None = None) -> Deferred:
        """Append the next cell's text to this one and delete the next cell; fires with the
        next cell's id, which ``unjoinCell`` takes to separate them again."""
        return self._locked(splitjoin.join, self, cellId, who)

    def unjoinCell(self, joinedId: int, who: str | None = None) -> Deferred:
        """Undo the join of cell ``joinedId``; fires with the id of the cell it is again."""
        return self._locked(splitjoin.unjoin, self, joinedId, who)

    def pasteCells(self, cellId: int, below: bool, cells: object,
                   who: str | None = None) -> Deferred:
        """Insert copied cells (a list of {"kind", "text"}) below or above this one, in their
        order (paste.py); fires with their ids."""
        pasted = paste.pastedCells(cells)
        return self._locked(paste.paste, self, cellId, below, pasted, who)

    def setKind(self, cellId: int, kind: str, who: str | None = None) -> Deferred:
        """Make the cell "code" or "text" (textcells.py); fires with the kind."""
        return textcells.setKind(self, cellId, kind, who)

    def setTypeset(self, on: bool, results: bool = False) -> Deferred:
        """Show LaTeX outputs typeset (True) or as plain text, for every viewer; with
        ``results``, Sage's values typeset from the next run (textcells.py)."""
        self._checkOpen()
        return textcells.setTypeset(self, on, results)

    def setSystem(self, system: str) -> Deferred:
        """Make ``system`` the worksheet's (systems.py); fires with it."""
        self._checkOpen()
        return systems.setSystem(self, system)

    # -- title ---------------------------------------------------------------------------------

    def setTitle(self, title: str, who: str | None = None) -> Deferred:
        """Rename the worksheet; fires with the title as saved (stripped)."""
        self._checkOpen()
        if not isinstance(title, str):
            raise BadRequest("A worksheet title must be text.")

        def renamed(worksheet):
            if worksheet.title != self.title:
                self.title = worksheet.title
                self._each(lambda v: v.titleChanged(self.title))
            return self.title

        return self.store.rename_worksheet(self.worksheetId, title, who=who).addCallback(renamed)

    def titleChangedElsewhere(self, title: str) -> None:
        """The worksheet was renamed without the hub (the home page): tell the viewers."""
        if title != self.title:
            self.title = title
            self._each(lambda v: v.titleChanged(title))

    # -- running (delegated to the runner) -----------------------------------------------------

    def run(self, cellId: int, who: str) -> bool:
        """Queue the cell; False if it is already queued or running."""
        self._checkOpen()
        self.filesQuota.checkRun()
        return self.runner.run([self.cell(cellId)], who) == 1

    def runAll(self, who: str, pastErrors: bool = False) -> int:
        """Run every cell; the first that ends in an error stops the rest, unless
        ``pastErrors``."""
        self._checkOpen()
        self.filesQuota.checkRun()
        return self.runner.run([c for c in self.cells if not c.leaving], who,
                               stopAtError=not pastErrors)

    def runAbove(self, cellId: int, who: str) -> int:
        """Run every cell above this one (not this one), stopping at the first error."""
        self._checkOpen()
        self.filesQuota.checkRun()
        index = self.indexOf(cellId)
        return self.runner.run([c for c in self.cells[:index] if not c.leaving], who,
                               stopAtError=True)

    def answer(self, cellId: int, text: str) -> bool:
        """Answer the input() the cell waits on; False if it waits on none."""
        self._checkOpen()
        return self.runner.answer(self.cell(cellId), text)

    def cancel(self, cellId: int) -> bool:
        """Take a queued cell out of the run queue: it never runs, the others run as before,
        and it keeps its outputs. False if it is not queued (running: Interrupt stops it)."""
        self._checkOpen()
        return self.runner.cancel(self.cell(cellId))

    def interrupt(self) -> Deferred:
        """Stop everything: queued cells are dropped, the running one is interrupted."""
        return self.runner.interrupt()

    def restart(self) -> Deferred:
        return self.runner.restart()

    def stopKernel(self) -> Deferred:
        """Stop the kernel, its variables lost (the home page's Stop); the next run starts one."""
        return self.runner.restart(start=False)

    def clearOutputs(self, cellId: int | None = None) -> Deferred:
        """Clear one cell's outputs, or every cell's (None)."""
        self._checkOpen()
        cells = [self.cell(cellId)] if cellId is not None else [c for c in self.cells if not c.leaving]
        return self.runner.clear(cells)

    def complete(self, code: str, cursor: int) -> Deferred:
        return self.runner.ask("complete", code, cursor)

    def introspect(self, name: str, detail: int = 0) -> Deferred:
        return self.runner.ask("introspect", name, detail)

    def signature(self, name: str) -> Deferred:
        return self.runner.ask("signature", name)

    def kernelInfo(self) -> dict:
        return self.runner.kernelInfo()

    def kernelProcess(self) -> int | None:
        """The pid of the kernel's process (for its memory), None while it has none."""
        return getattr(self.runner.kernel, "processId", None)

    def cellChanged(self, cell: CellModel) -> None:
        """The runner changed a cell's state or outputs: tell the viewers."""
        self.audience.tellLatest(("cell", cell.id), lambda v: v.cellChanged(cell))
        for watcher in list(self.cellWatchers):
            try:
                watcher(cell)
            except Exception:
                log.failure("A cell watcher failed on cell {id}", id=cell.id)

    def kernelChanged(self) -> None:
        """The kernel's state changed: tell the viewers (and while a cell runs, its files
        are measured now and then: filesquota.py)."""
        self.audience.tellLatest("kernel", lambda v: v.kernelChanged())
        self.filesQuota.watch()

    # -- the end -------------------------------------------------------------------------------

    def close(self, reason: str = "The worksheet was closed.") -> Deferred:
        """Close every viewer, store what is pending and shut the kernel down."""
        if self.state is not HubState.OPEN:
            return succeed(None)
        self.state = HubState.CLOSING
        self.filesQuota.close()
        viewers = self.audience.clear()
        for viewer in viewers:
            try:
                viewer.hubClosed(reason)
            except Exception:
                log.failure("Closing viewer {v!r} failed", v=viewer)
        d = self.runner.shutdown()

        def closed(result):
            self.state = HubState.CLOSED
            return result

        return d.addBoth(closed)

    def __repr__(self) -> str:
        return f"<WorksheetHub {self.worksheetId} {self.state.value} viewers={len(self.viewers)}>"


__all__ = ["HubClosed", "HubError", "BadRequest", "NoSuchCell", "Viewer", "WorksheetHub",
           "RunState"]
