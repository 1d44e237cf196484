"""``Interacts``: the part of a worksheet's ``CellRunner`` that runs its interacts.

Tests: tests/unit/test_interacts.py.  Design: docs/notebook.md, "Interacts".

A cell whose code uses ``@interact`` gets an interact event in its output log
(interactmodel.py).  From then on:

- its function runs in the worksheet's kernel, as a request of its own (``op_interact``), first
  right after the cell, then whenever someone who may edit changes a control (``change``) or,
  for ``auto_update=False``, presses Update (``update``);
- what a run prints and shows becomes the interact's outputs, replacing the last run's when
  the first of them arrives (so a dragged slider never shows an empty area);
- the values and outputs are kept in the event, in the log: stored with the cell's outputs, so
  a reload or someone who joins later sees the same controls and output;
- every viewer is told of a change as a latest value (``Audience.tellLatest``), so a fast
  drag costs each viewer what its page can take, not a message per step.

**Latest value wins.**  An interact has at most one run queued or running.  A change while
its run is queued costs nothing: the request reads the values when the kernel sends it
(``ExecuteRequest.fields``).  A change while it runs marks it ``pending``: one more run, with
the values as they are when that run starts, follows the one running.  So a slider dragged
through a hundred positions while the function takes a second runs it two or three times, at
the pace the kernel answers; no timer is involved.

Interact runs are *urgent*: they go ahead of cells queued behind the one running, so an
interact answers as soon as the kernel is free.  An interact lives as long as the kernel
(its worker, named by ``session``) that made it: once that kernel stopped or restarted, its
controls are shown disabled, and changes are refused until its cell runs again.
"""

from __future__ import annotations

from . import outputeffects
from .cells import cleanEvent
from .huberrors import BadRequest
from .interactmodel import BadValue, checkValue
from .quotas import storedSize

#: The result statuses whose message the interact's outputs already say.
_SILENT = {"ok", "error", "interrupted", "cancelled"}


def _refuse(message: str):
    raise BadRequest(message)


class _Run:
    """One interact's run now: the kernel request queued or running, and whether another
    must follow it."""

    def __init__(self, cell, iid: str):
        self.cell, self.iid = cell, iid
        self.request = None
        self.pending = False
        self.token = 0  # counts requests; output of an older one is dropped
        self.sentSeq: int | None = None  # the values the running request was sent with
        self.started = False  # the running request has shown output (the old one is gone)
        self.clearWaiting = False
        self.outputs: list[dict] = []
        self.full = False  # the worksheet's quota dropped output of this run


class Interacts:
    def __init__(self, runner):
        self.runner = runner
        self.hub = runner.hub
        self._runs: dict[str, _Run] = {}
        self._session: str | None = None  # the session of the kernel running now

    # -- looking up -----------------------------------------------------------------------

    def find(self, cellId: int, iid) -> tuple:
        """(cell, index in its log, event) of interact ``iid`` of cell ``cellId``."""
        cell = self.hub.cell(cellId)
        found = self.locate(cell, iid)
        if found is None:
            _refuse("This interact is no longer in its cell (the cell ran again or its output "
                    "was cleared); nothing was changed.")
        return (cell, *found)

    @staticmethod
    def locate(cell, iid) -> tuple | None:
        """(index, event) of interact ``iid`` in ``cell``'s log, or None."""
        for index in range(len(cell.outputs) - 1, -1, -1):
            event = cell.outputs[index]
            if event.get("type") == "interact" and event.get("id") == iid:
                return index, event
        return None

    @property
    def busy(self) -> bool:
        return any(run.request is not None for run in self._runs.values())

    def session(self) -> str | None:
        """The session of the worker that runs now, or None while none does."""
        kernel = self.runner.kernel
        if kernel is None or kernel.state.value not in ("idle", "busy"):
            return None
        return kernel.info.get("session")

    def live(self, event: dict) -> bool:
        """Whether the kernel that made interact ``event`` runs (its function exists)."""
        return event.get("session") is not None and event.get("session") == self.session()

    def stateOf(self, iid: str) -> str:
        """"queued", "running" or "idle"."""
        run = self._runs.get(iid)
        if run is None or run.request is None:
            return "idle"
        return "running" if run.request.status == "running" else "queued"

    # -- told by the runner ---------------------------------------------------------------

    def added(self, cell) -> None:
        """The last output of ``cell`` is a new interact: run it with its first values (unless
        it waits for its Update button: ``first`` False, Jupyter's ``interact_manual``)."""
        event = cell.outputs[-1]
        if event.get("first") is not False:
            self._want(self._runFor(cell, event["id"]))

    def cellReset(self, cell) -> None:
        """The cell's outputs are gone (it runs again, was cleared or deleted): its
        interacts' queued runs are cancelled and the output of a running one is dropped."""
        for iid, run in list(self._runs.items()):
            if run.cell is cell:
                self._drop(iid, run)

    def interrupt(self) -> None:
        """Stop everything: queued runs are cancelled (the kernel interrupts the running one)."""
        for run in self._runs.values():
            run.pending = False
            if run.request is not None and run.request.status == "queued":
                run.request.cancel()

    def kernelChanged(self) -> None:
        """The kernel's state changed: if the kernel that runs is another one (or none), every
        interact's viewers hear whether it is live."""
        session = self.session()
        if session == self._session:
            return
        self._session = session
        for cell in self.hub.cells:
            for event in cell.outputs:
                if event.get("type") == "interact":
                    self._tell(cell, event["id"])

    # -- from the viewers -------------------------------------------------------------------

    def change(self, cellId: int, iid, values, who: str) -> int:
        """Set some controls of interact ``iid`` (``{name: wire value}``) and run it if it
        updates by itself; fires with the values' new ``seq``."""
        cell, index, event = self.find(cellId, iid)
        self._checkLive(event)
        if not isinstance(values, dict) or not values:
            _refuse("A change names at least one control and its value.")
        byName = {c["name"]: c for c in event["controls"]}
        merged = dict(event["values"])
        for name, value in values.items():
            if name not in byName:
                _refuse(f"This interact has no control {name!r}; nothing was changed.")
            try:
                merged[name] = checkValue(byName[name], value)
            except BadValue as e:
                _refuse(f"{e} Nothing was changed.")
        if merged == event["values"]:
            return event["seq"]
        if not self.hub.size.fits(storedSize(dict(event, values=merged)) - storedSize(event)):
            raise self.hub.quotas.full()
        seq = event["seq"] + 1
        self._replace(cell, index, event, values=merged, seq=seq, by=who)
        if event["auto"]:
            self._want(self._runFor(cell, iid))
        return seq

    def update(self, cellId: int, iid, who: str) -> None:
        """Run interact ``iid`` now with its values (the Update button)."""
        cell, _index, event = self.find(cellId, iid)
        self._checkLive(event)
        self._want(self._runFor(cell, iid))

    def _checkLive(self, event: dict) -> None:
        self.hub._checkOpen()
        self.hub.filesQuota.checkRun()
        if not self.live(event):
            _refuse("The kernel that made this interact has stopped, so it cannot run; run "
                    "its cell again.")

    # -- running --------------------------------------------------------------------------

    def _runFor(self, cell, iid: str) -> _Run:
        run = self._runs.get(iid)
        if run is None or run.cell is not cell:
            run = self._runs[iid] = _Run(cell, iid)
        return run

    def _want(self, run: _Run) -> None:
        """Run it with the latest values: now, or after the run in flight (latest value
        wins: a queued request reads the values when it is sent)."""
        if run.request is not None:
            if run.request.status == "running":
                run.pending = True
            return
        kernel = self.runner.kernel
        if kernel is None:
            return
        run.token += 1
        token = run.token
        run.started, run.clearWaiting, run.outputs, run.full = False, False, [], False
        run.request = kernel.execute("", lambda e: self._output(run, token, e),
                                     fields=lambda: self._sending(run), urgent=True)
        run.request.deferred.addCallback(self._finished, run, token)
        self._tell(run.cell, run.iid)

    def _sending(self, run: _Run) -> dict:
        """The kernel sends the request now: with the values as they are now."""
        found = self.locate(run.cell, run.iid)
        values = found[1]["values"] if found else {}
        run.sentSeq = found[1]["seq"] if found else None
        self._tell(run.cell, run.iid)  # it runs
        return {"op": "interact", "interact": run.iid, "values": values}

    def _output(self, run: _Run, token: int, event: dict) -> None:
        if run.token != token or self._runs.get(run.iid) is not run:
            return
        event = cleanEvent(event)
        if event is None:
            return
        kind = event["type"]
        if kind not in ("clear", "update") and not self.hub.size.fits(storedSize(event)):
            if run.full:  # past the worksheet's quota: one notice a run, then nothing
                return
            run.full, event, kind = True, {"type": "notice",
                                           "text": self.hub.quotas.fullNotice()}, "notice"
        if kind == "clear":
            if event["wait"]:
                run.clearWaiting = True
                return
            run.outputs = []
        elif kind == "update":  # displays anywhere in the worksheet, this run's too
            outputeffects.updateDisplays(self.runner, event)
            mine = [n for n, shown in enumerate(run.outputs)
                    if shown.get("displayId") == event["displayId"]]
            if not mine:
                return
            for n in mine:
                run.outputs[n] = dict(run.outputs[n], data=event["data"])
        elif kind == "file":
            outputeffects.recordFile(self.runner, run.cell, event["path"])
            run.outputs.append(event)
        elif kind == "interact":
            run.outputs.append({"type": "notice", "text": "An interact cannot show another "
                                "interact; make the second one in a cell of its own."})
        else:
            if run.clearWaiting:
                run.outputs, run.clearWaiting = [], False
            last = run.outputs[-1] if run.outputs else None
            if (kind == "stream" and last is not None and last["type"] == "stream"
                    and last["name"] == event["name"]):
                run.outputs[-1] = dict(last, text=last["text"] + event["text"])
            else:
                run.outputs.append(event)
        run.started = True
        self._show(run)

    def _show(self, run: _Run) -> None:
        found = self.locate(run.cell, run.iid)
        if found is not None:
            index, event = found
            self._replace(run.cell, index, event, outputs=list(run.outputs), ov=event["ov"] + 1)

    def _finished(self, result, run: _Run, token: int) -> None:
        if run.token != token:
            return
        run.request = None
        if self._runs.get(run.iid) is not run:
            return
        changed = not run.started  # a run that showed nothing leaves nothing
        if result.status not in _SILENT and result.message:
            run.outputs.append({"type": "notice", "text": result.message})
            changed = True
        if changed and result.status != "cancelled":
            self._show(run)
        found = self.locate(run.cell, run.iid)
        if found is not None and run.sentSeq is not None:
            self._replace(run.cell, found[0], found[1], ranSeq=run.sentSeq)
        if run.pending and found is not None and self.live(found[1]):
            run.pending = False
            self._want(run)
        else:
            run.pending = False
            self._tell(run.cell, run.iid)
        self.hub.filesQuota.measure()
        self.hub.maybeIdle()

    def _drop(self, iid: str, run: _Run) -> None:
        del self._runs[iid]
        run.pending = False
        if run.request is not None and run.request.status == "queued":
            run.request.cancel()

    # -- changing the log -------------------------------------------------------------------

    def _replace(self, cell, index: int, event: dict, **changes) -> None:
        """Put a new event with ``changes`` in place of interact ``event`` in the log; it is
        stored with the cell's next batch of output, and every viewer is told."""
        new = cell.outputs[index] = dict(event, **changes)
        if "outputs" in changes or "values" in changes:  # what the worksheet holds changed
            growth = storedSize(new) - storedSize(event)
            cell.outputChars += growth
            self.hub.size.grew(growth)
        cell.rewrite = True
        self.runner.scheduleFlush()
        self._tell(cell, event["id"])

    def _tell(self, cell, iid: str) -> None:
        self.hub.audience.tellLatest(("interact", cell.id, iid),
                                     lambda v: v.interactChanged(cell, iid))
