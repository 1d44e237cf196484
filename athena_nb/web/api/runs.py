"""The runs the REST API started: their ids, their state, and waiting for their end.  Tests:
tests/unit/test_api.py, tests/integration/test_api_http.py.

``POST .../cells/<id>/run`` queues the cell through its hub, exactly as the page's Run does
(``WorksheetHub.run``: everyone on the page sees it queued, running and its outputs), and
``Runs.start`` gives the run an id.  The hub tells ``Runs`` of every change to a cell
(``WorksheetHub.cellWatchers``); the first change that finds the cell no longer queued or
running, or run again or cancelled since (the cell's own ``runId`` moved on), ends the run,
keeping its state and a copy of its outputs, and wakes whoever waits for it
(``GET /runs/<id>?wait=``).  A run whose cell was deleted, or whose worksheet closed, ends as
interrupted when it is next looked at.  The last ``KEEP`` runs are kept; an ended one keeps
only its state and outputs, not its worksheet's hub.
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict

from twisted.internet.defer import Deferred, succeed

from ...hub import HubError, HubState
from ...store import CellKind, NotFoundError, RunState

#: How many runs are remembered.
KEEP = 1000
_FINISHED = {RunState.DONE: "done", RunState.ERROR: "error",
             RunState.INTERRUPTED: "interrupted"}


class Conflict(HubError):
    """The request does not fit the state things are in now (answered 409)."""


class Run:
    """One run of one cell, started through the API."""

    def __init__(self, runId: int, hub, cell, queued: float):
        self.id, self.hub, self.cell, self.queued = runId, hub, cell, queued
        self.worksheetId: str = hub.worksheetId
        self.cellId: int = cell.id
        self.cellRunId: int = cell.runId  # the cell's number of this run
        self.state: str | None = None  # set when the run ended
        self.ended: float | None = None
        self.count: int | None = None
        self.outputs: list[dict] = []
        self.waiters: list[Deferred] = []

    def ours(self) -> bool:
        """Is the cell still on this run (not run again, cancelled or gone)?"""
        return (self.cell.runId == self.cellRunId and not self.cell.leaving
                and self.hub.state is HubState.OPEN)

    def json(self) -> dict:
        if self.state is None:
            state, count, outputs = self.cell.state.value, self.cell.count, self.cell.outputs
        else:
            state, count, outputs = self.state, self.count, self.outputs
        return {"id": self.id, "worksheetId": self.worksheetId, "cellId": self.cellId,
                "state": state, "count": count, "queued": self.queued, "ended": self.ended,
                "outputs": list(outputs)}


class Runs:
    def __init__(self, reactor, keep: int = KEEP):
        self.reactor, self.keep = reactor, keep
        self._ids = itertools.count(1)
        self._runs: OrderedDict[int, Run] = OrderedDict()
        self._open: dict[tuple[int, int], Run] = {}  # (id(hub), cell id) -> its unended run
        self._watched: weakref.WeakSet = weakref.WeakSet()

    def start(self, hub, cellId: int, who: str) -> Run:
        """Queue the cell on its hub as ``who``; Conflict if it cannot run now."""
        cell = hub.cell(cellId)
        if cell.kind is CellKind.TEXT:
            raise Conflict(f"Cell {cellId} is a text cell; text cells do not run.")
        if not cell.text.strip():
            raise Conflict(f"Cell {cellId} is empty; there is nothing to run.")
        if hub not in self._watched:
            hub.cellWatchers.append(lambda changed: self._changed(hub, changed))
            self._watched.add(hub)
        if not hub.run(cellId, who):
            raise Conflict(f"Cell {cellId} is already queued or running; wait for its end "
                           "before running it again.")
        run = Run(next(self._ids), hub, cell, self.reactor.seconds())
        self._runs[run.id] = run
        self._open[(id(hub), cell.id)] = run
        while len(self._runs) > self.keep:
            _, old = self._runs.popitem(last=False)
            self._end(old)
        return run

    def get(self, runId: int) -> Run:
        run = self._runs.get(runId)
        if run is None:
            raise NotFoundError(f"There is no run {runId}; runs are forgotten when the server "
                                f"restarts, and only the last {self.keep} are kept.")
        if run.state is None and not run.ours():
            self._end(run)
        return run

    def recent(self) -> list[Run]:
        return [self.get(runId) for runId in reversed(self._runs)]

    def wait(self, run: Run, seconds: float) -> Deferred:
        """Fires with ``run`` when it ends, or after ``seconds``, whichever is first."""
        if run.state is not None or seconds <= 0:
            return succeed(run)
        d = Deferred()
        run.waiters.append(d)

        def timeUp():
            if d in run.waiters:
                run.waiters.remove(d)
                d.callback(run)

        timer = self.reactor.callLater(seconds, timeUp)
        return d.addBoth(lambda result: (timer.active() and timer.cancel(), result)[1])

    def _changed(self, hub, cell) -> None:
        run = self._open.get((id(hub), cell.id))
        if run is not None and (not run.ours() or not cell.active):
            self._end(run)

    def _end(self, run: Run) -> None:
        if run.state is not None:
            return
        if self._open.get((id(run.hub), run.cellId)) is run:
            del self._open[(id(run.hub), run.cellId)]
        cell = run.cell
        # Taken out of the queue before it ran, a cell is idle with its last run's outputs:
        # they are not this run's.
        ran = cell.runId == run.cellRunId and cell.state in _FINISHED
        run.state = _FINISHED[cell.state] if ran else "interrupted"
        run.count = cell.count if ran else None
        run.outputs = list(cell.outputs) if ran else []
        run.ended = self.reactor.seconds()
        run.hub = run.cell = None  # an ended run keeps no worksheet in memory
        waiters, run.waiters = run.waiters, []
        for d in waiters:
            d.callback(run)
