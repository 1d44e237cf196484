"""The notebook in Python: a ``livefragments.client`` viewer of a worksheet page.

Tests: tests/unit/test_hub_web*.py.

What the browser's worksheet.js and cell.js do, without a browser, for tests, benchmarks and
scripts: keep the cells in order, each cell's text through an ``ot.SyncClient``, its outputs
and run state from the coalesced updates (a cell whose outputs the page did not carry,
``deferred``, has none until ``loadOutputs``), the title, the presence list and the kernel
state::

    client = await LiveClient.open(reactor, url, cookies=..., widgetClasses=WIDGETS)
    sheet = worksheetOf(client)
    cell = sheet.cells[0]
    cell.type(0, "2+2")            # an edit, sent as an OT op
    await cell.synced()            # acknowledged by the hub
    await cell.callRemote("run")
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed

from livefragments import expose
from livefragments.client import ClientWidget

from .. import ot


class CellClient(ClientWidget):
    """A cell as a browser holds it."""

    def __init__(self, client, description):
        super().__init__(client, description)
        a = self.args[0]
        self.cellId: int = a["cellId"]
        self.canEdit: bool = a["canEdit"]
        self.sync = ot.SyncClient(a["text"], a["version"], self._send)
        self.generation: int = a["generation"]
        self.length: int = a["length"]
        #: The page came without this cell's outputs (athena_nb/web/deferral.py).
        self.deferred: bool = a["outputs"] is None
        self.estimate: int | None = a.get("estimate")
        self.outputs: list[dict] = list(a["outputs"] or ())
        self.run: dict = a["run"]
        self.kind: str = a["kind"]
        self.views: list[dict] = []  # every view (kind, version, rendered HTML) sent, in order
        self.updates = 0
        self.saves: list = []  # every edit call's Deferred, in order
        self.errors: list = []
        self._syncWaiters: list[Deferred] = []
        self.cursors: dict[str, tuple[str, int, int]] = {}  # siteId: (name, anchor, head)

    # -- the text ------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self.sync.text

    def _send(self, op, base, follows=0) -> None:
        args = (op.toJSON(), base, follows) if follows else (op.toJSON(), base)
        d = self.callRemote("edit", *args)
        d.addErrback(self._editFailed)
        self.saves.append(d)

    def _editFailed(self, failure):
        self.errors.append(failure.value)
        return failure

    def edit(self, op) -> None:
        """Make a local edit (an ``ot.Operation`` on the current text)."""
        self.sync.applyLocal(op)

    def type(self, at: int, text: str) -> None:
        self.edit(ot.Operation.insert(at, text))

    def erase(self, at: int, count: int) -> None:
        self.edit(ot.Operation.delete(at, count))

    def replaceAll(self, text: str) -> None:
        self.edit(ot.diff(self.sync.text, text))

    def synced(self) -> Deferred:
        """Fires once every local edit is acknowledged by the hub."""
        if self.sync.state is ot.SyncState.SYNCHRONIZED:
            return succeed(None)
        d = Deferred()
        self._syncWaiters.append(d)
        return d

    @expose
    def remoteOp(self, op, version):
        self.sync.applyRemote(ot.Operation.fromJSON(op), version)

    @expose
    def cursor(self, siteId, name, anchor, head, version):
        """Someone else's selection (code points at hub version ``version``), mapped through
        our unconfirmed edits into our text."""
        for op in [*self.sync.sent, self.sync.buffer]:
            if op is not None and version == self.sync.version:
                anchor, head = ot.transformCursor(anchor, op), ot.transformCursor(head, op)
        self.cursors[siteId] = (name, anchor, head)

    def moveCursor(self, anchor: int, head: int | None = None):
        """Tell the others where our selection is (only while nothing of ours is unconfirmed)."""
        return self.callRemote("cursor", anchor, anchor if head is None else head,
                               self.sync.version)

    @expose
    def ack(self, version):
        self.sync.acknowledge(version)
        if self.sync.state is ot.SyncState.SYNCHRONIZED:
            waiters, self._syncWaiters = self._syncWaiters, []
            for d in waiters:
                d.callback(None)

    # -- run state and output --------------------------------------------------------------

    def loadOutputs(self) -> Deferred:
        """Ask for the outputs the page came without (as a browser does when the cell nears
        the screen); fires once they are here."""
        def loaded(all):
            self.generation, self.length = all["generation"], all["length"]
            self.outputs, self.run, self.deferred = list(all["outputs"]), all["run"], False
            return self.outputs
        return self.callRemote("outputs").addCallback(loaded)

    @expose
    def update(self, update):
        self.updates += 1
        # Every cell's updates in arrival order, on the client (tests check the order).
        self.client.__dict__.setdefault("cellUpdates", []).append(
            (self.cellId, update["run"]["state"]))
        if update.get("deferred") or self.deferred:  # the run alone, until the outputs come
            self.run = update["run"]
            return
        if update["generation"] != self.generation:
            assert update["start"] == 0, f"a reset update must start at 0: {update!r}"
            self.generation, self.length, self.outputs = update["generation"], 0, []
        assert update["start"] == self.length, (
            f"cell {self.cellId}: an update starts at {update['start']}, but {self.length} "
            "events are shown")
        for event in update.get("replace", ()):  # displays updated in place, by index
            places = [i for i, shown in enumerate(self.outputs) if shown.get("n") == event["n"]]
            assert places, f"cell {self.cellId}: output {event['n']} to replace is not shown"
            self.outputs[places[0]] = event
        self.outputs.extend(update["outputs"])
        self.length = update["start"] + len(update["outputs"])
        self.run = update["run"]

    @expose
    def addInteract(self, widget):
        """An interact made after the page loaded (it is one of this cell's children)."""

    def interacts(self) -> list[InteractClient]:
        return [w for w in self.children if isinstance(w, InteractClient)]

    @expose
    def view(self, view):
        self.kind = view["kind"]
        self.views.append(view)

    @property
    def state(self) -> str:
        return self.run["state"]

    def streamText(self, name: str = "stdout") -> str:
        return "".join(e["text"] for e in self.outputs
                       if e["type"] == "stream" and e["name"] == name)

    def plainResults(self) -> list[str]:
        return [e["data"].get("text/plain", "") for e in self.outputs if e["type"] == "result"]

    def ofType(self, kind: str) -> list[dict]:
        return [e for e in self.outputs if e["type"] == kind]


class InteractClient(ClientWidget):
    """An interact as a browser holds it: its controls, their values and its outputs."""

    def __init__(self, client, description):
        super().__init__(client, description)
        a = self.args[0]
        self.iid: str = a["id"]
        self.controls: list[dict] = a["controls"]
        self.outputs: list[dict] = a["outputs"]
        self.ov: int = a["ov"]
        self.valueUpdates: list[dict] = []  # every setValues, in order
        self.setValues({k: a[k] for k in ("values", "seq", "ranSeq", "by", "state", "live")})

    @expose
    def setValues(self, state):
        self.state = state
        self.values: dict = state["values"]
        self.valueUpdates.append(state)

    @expose
    def setOutputs(self, shown):
        self.ov, self.outputs = shown["ov"], shown["outputs"]

    def streamText(self) -> str:
        return "".join(e["text"] for e in self.outputs if e["type"] == "stream")


class WorksheetClient(ClientWidget):
    def __init__(self, client, description):
        super().__init__(client, description)
        a = self.args[0]
        self.viewerId: str = a["viewerId"]
        self.title: str = a["title"]
        self.presence: list[dict] = a["presence"]
        self.kernel: dict = a["kernel"]
        self.canEdit: bool = a["canEdit"]
        self.typeset: bool = a["typeset"]
        self.typesetResults: bool = a["typesetResults"]
        self.system: str = a["system"]
        self._order: list[int] | None = None  # widget ids in order, once the server moved any
        self.filesChanges = 0  # how often the server said the worksheet's files changed
        self.historyChanges = 0  # how often it said someone named a version
        #: why no cell may run, the worksheet's files being past their quota (None: they may)
        self.filesQuota: str | None = a.get("filesQuota")

    @property
    def cells(self) -> list[CellClient]:
        """The cells in order."""
        live = {w.id: w for w in self.children if isinstance(w, CellClient)}
        if self._order is None:
            self._order = sorted(live)
        self._order = [i for i in self._order if i in live]
        self._order += sorted(i for i in live if i not in self._order)
        return [live[i] for i in self._order]

    def cell(self, cellId: int) -> CellClient:
        for cell in self.cells:
            if cell.cellId == cellId:
                return cell
        raise KeyError(f"No cell {cellId} in this viewer.")

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    def _place(self, widgetId: int, index: int) -> None:
        order = [c.id for c in self.cells if c.id != widgetId]
        order.insert(index, widgetId)
        self._order = order

    @expose
    def insertCell(self, index, widget):
        self._place(widget.id, index)

    @expose
    def moveCell(self, cellId, index):
        self._place(self.cell(cellId).id, index)

    @expose
    def setTitle(self, title):
        self.title = title

    @expose
    def updatePresence(self, changes):
        people = {p["id"]: p for p in self.presence}
        for change in changes:
            if change.get("gone"):
                people.pop(change["id"], None)
            else:
                people[change["id"]] = change
        self.presence = list(people.values())

    @expose
    def setKernel(self, info):
        self.kernel = info

    @expose
    def setSystem(self, system):
        self.system = system

    @expose
    def setTypeset(self, on, results=False):
        self.typeset, self.typesetResults = on, results

    @expose
    def filesChanged(self):
        self.filesChanges += 1

    @expose
    def setFilesQuota(self, notice):
        self.filesQuota = notice

    @expose
    def historyChanged(self):
        self.historyChanges += 1


WIDGETS = {"athena_nb/worksheet.js:Worksheet": WorksheetClient,
           "athena_nb/cell.js:Cell": CellClient,
           "athena_nb/interact.js:Interact": InteractClient}


def worksheetOf(client) -> WorksheetClient:
    found = [w for w in client.widgets.values() if isinstance(w, WorksheetClient)]
    if len(found) != 1:
        raise LookupError(f"The page has {len(found)} worksheet widgets, not one.")
    return found[0]


__all__ = ["CellClient", "InteractClient", "WIDGETS", "WorksheetClient", "worksheetOf"]
