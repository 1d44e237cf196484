"""``CellRunner``: the part of a ``WorksheetHub`` that runs its cells on the kernel.

Tests: tests/unit/test_hub_run.py, tests/integration/test_notebook_hub.py.

It gets a kernel when the first cell runs (``kernelSource(cwd, system)``), queues cells on it,
follows each cell through queued -> running -> done / error / interrupted, collects its output
events, writes them to the store in batches (one ``append_outputs`` per cell per
``flushSeconds``, stream pieces merged) and records the files a cell creates. It keeps
working with no viewer at all.
"""

from __future__ import annotations

import itertools

from twisted.internet.defer import Deferred, DeferredList, fail, succeed
from twisted.logger import Logger

from . import outputeffects
from .cells import CellModel, chunksOf, cleanEvent
from .interacts import Interacts
from .kernel import KernelState
from .kernel.cellmodes import parseHeader
from .quotas import storedSize
from .store import CellKind, RunState

log = Logger()

#: How a kernel ExecuteResult status ends a cell.
_FINAL = {"ok": RunState.DONE, "error": RunState.ERROR, "interrupted": RunState.INTERRUPTED,
          "timeout": RunState.ERROR, "died": RunState.ERROR, "cancelled": RunState.INTERRUPTED}

#: Who a ``%auto`` cell's run is shown as started by.
AUTO = "%auto"
#: Results whose message the output already says (the error event, the KeyboardInterrupt).
_SILENT = {"ok", "error"}
_PLAIN_INTERRUPT = "The cell was interrupted."
#: The outputs that carry out a waiting clear_output (files and notices do not: Jupyter has none).
_CLEARED_BY = frozenset({"stream", "display", "result", "error", "interact"})


class CellRunner:
    def __init__(self, hub, kernelSource, flushSeconds: float = 0.2):
        self.hub = hub
        self.store = hub.store
        self.reactor = hub.reactor
        self.kernelSource = kernelSource
        self.flushSeconds = flushSeconds
        self.kernel = None
        self.executionCount = 0
        self._acquiring: Deferred | None = None
        self._acquireError: str | None = None
        self._waiting: list[tuple[CellModel, int, str]] = []  # queued before a kernel exists
        #: The cells queued or running, in the order they were queued: the run queue.
        self._active: dict[CellModel, int | None] = {}  # -> the Run all that queued it
        #: who ran a queued cell's outputs, until it starts (they stay till then)
        self._before: dict[CellModel, str | None] = {}
        self._runAlls = itertools.count(1)
        self._flushCall = None
        self._closed = False
        self._toldFull: dict[int, int] = {}  # cell id -> the run told the worksheet is full
        #: An %auto cell ran past its time limit and its worker was stopped: the kernel's next
        #: start runs no %auto cells (they would stop it again, over and over).
        self._autoTimedOut = False
        self.interacts = Interacts(self)  # the cells' @interact runs

    # -- state -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        if self._waiting or self._acquiring is not None:
            return True
        if any(c.request is not None for c in self.hub.cells) or self.interacts.busy:
            return True
        return self.kernel is not None and self.kernel.state is KernelState.BUSY

    def kernelInfo(self) -> dict:
        """The kernel's state, why, and the run queue (each queued or running cell, in order,
        with who started it)."""
        if self.kernel is None:
            if self._acquiring is not None:
                state, reason = "starting", "The kernel is starting."
            elif self._acquireError:
                state, reason = "dead", self._acquireError
            else:
                state, reason = "none", "No kernel yet: one starts when a cell runs."
        else:
            state, reason = self.kernel.state.value, self.kernel.stateReason
        queue = [{"cell": c.id, "state": c.state.value, "by": c.ranBy} for c in self._active]
        return {"state": state, "reason": reason, "queue": queue}

    def _setState(self, cell: CellModel, state: RunState, **fields) -> None:
        if cell.active or state in (RunState.QUEUED, RunState.RUNNING):
            self.hub.kernelChanged()  # the queue changes
        cell.state = state
        if not cell.active:
            self._active.pop(cell, None)
        d = self.store.set_run_state(cell.id, state, **fields)
        d.addErrback(self.storeFailed, f"saving the run state of cell {cell.id}")

    def storeFailed(self, failure, what: str) -> None:
        log.error("The store failed {what}: {message}", what=what,
                  message=failure.getErrorMessage())

    # -- the kernel --------------------------------------------------------------------------

    def _ensureKernel(self) -> None:
        if self.kernel is not None or self._acquiring is not None or self._closed:
            return
        self._acquireError = None
        d = self._acquiring = self._callSource()
        self.hub.kernelChanged()
        self._waiting[:0] = [(cell, cell.runId, cell.text) for cell in self._queueAuto()]
        d.addCallbacks(self._acquired, self._acquireFailed)

    def _callSource(self) -> Deferred:
        try:
            d = self.kernelSource(self.hub.directory, self.hub.system)
        except Exception:
            return fail()
        return d if isinstance(d, Deferred) else succeed(d)

    def _acquired(self, kernel) -> None:
        self._acquiring = None
        if self._closed:
            kernel.shutdown()
            return
        self.kernel = kernel
        kernel.addStateListener(self._kernelState)
        self.hub.kernelChanged()
        self.interacts.kernelChanged()
        waiting, self._waiting = self._waiting, []
        for cell, runId, code in waiting:
            self._submit(cell, runId, code)

    def _acquireFailed(self, failure) -> None:
        self._acquiring = None
        self._acquireError = failure.getErrorMessage() or "The kernel could not start."
        self.hub.kernelChanged()
        waiting, self._waiting = self._waiting, []
        for cell, _runId, _code in waiting:
            self._end(cell, RunState.INTERRUPTED,
                      f"The cell did not run because no kernel could be started: {self._acquireError}")
        self.hub.maybeIdle()

    def _kernelState(self, change) -> None:
        if change.new is KernelState.STARTING:
            self._autoOnStart()
        if change.new is KernelState.BUSY:
            for cell in self.hub.cells:
                request = cell.request
                if request is not None and request.status == "running" and cell.state is RunState.QUEUED:
                    self._markRunning(cell)
        self.hub.kernelChanged()
        self.interacts.kernelChanged()
        if change.new in (KernelState.IDLE, KernelState.DEAD):
            self.hub.maybeIdle()

    # -- running -----------------------------------------------------------------------------

    def run(self, cells: list[CellModel], who: str, stopAtError: bool = False) -> int:
        """Queue each code cell that is not queued or running already (text cells never go to
        the kernel, and an empty cell is only cleared); returns how many were.  With ``stopAtError`` (Run all), the first of them
        that ends in an error takes the others out of the queue."""
        queued = 0
        runAll = next(self._runAlls) if stopAtError else None
        for cell in cells:
            if (cell.kind is CellKind.CODE and not cell.text.strip() and not cell.active
                    and not cell.leaving):  # nothing to run: [ ], no output, as Jupyter shows
                self.clear([cell]).addErrback(self.storeFailed, f"clearing cell {cell.id}")
                continue
            if not self._queue(cell, who, runAll):
                continue
            queued += 1
            if self.kernel is None:
                self._waiting.append((cell, cell.runId, cell.text))
                self._ensureKernel()
            else:
                self._submit(cell, cell.runId, cell.text)
        return queued

    def _queue(self, cell: CellModel, who: str, runAll: int | None = None) -> bool:
        """Mark ``cell`` queued by ``who``; False if it cannot run now (queued or running
        already, being deleted, a text cell). Its last outputs stay until it starts, as in
        Jupyter: a cell taken out of the queue (Run all stopped, Cancel) keeps them."""
        if cell.active or cell.leaving or cell.kind is CellKind.TEXT:
            return False
        self._active[cell] = runAll
        self._before[cell] = cell.ranBy
        cell.runId += 1
        cell.ranBy = who
        self._setState(cell, RunState.QUEUED, ran_by=who)
        self.hub.cellChanged(cell)
        return True

    def _queueAuto(self) -> list[CellModel]:
        """A kernel starts: queue the ``%auto`` cells, in the worksheet's order (the ones not
        queued already); the caller sends them before anything else."""
        return [cell for cell in self.hub.cells if cell.kind is CellKind.CODE and not
                self.hub.filesQuota.over and "auto" in parseHeader(cell.text).flags
                and self._queue(cell, AUTO)]

    def _autoOnStart(self) -> None:
        """The kernel starts a worker (a restart, a new one after a death, its first): the
        ``%auto`` cells go to it ahead of the cells queued."""
        if self._autoTimedOut:
            self._autoTimedOut = False
            return
        for cell in self._queueAuto():
            self._submit(cell, cell.runId, cell.text, urgent=True)

    def _submit(self, cell: CellModel, runId: int, code: str, urgent: bool = False) -> None:
        if cell.runId != runId or cell.leaving:
            return
        request = self.kernel.execute(  # "Typeset every Sage result" as it is when the cell starts
            code, lambda event: self._output(cell, runId, event), self.hub.system, urgent=urgent,
            fields=lambda: {"tag": cell.id, "typesetResults": self.hub.typesetResults})
        cell.request = request
        if request.status == "running" and cell.state is RunState.QUEUED:
            self._markRunning(cell)
        request.deferred.addCallback(self._finished, cell, runId)

    def _fresh(self, cell: CellModel) -> None:
        """Its run begins (or a kernel started anew for it speaks): the last run's outputs go."""
        if cell not in self._before:
            return
        del self._before[cell]
        cell.resetOutputs()  # unstored ones too
        self.interacts.cellReset(cell)
        self.store.clear_outputs(cell.id).addErrback(
            self.storeFailed, f"clearing the outputs of cell {cell.id}")

    def _markRunning(self, cell: CellModel) -> None:
        self._fresh(cell)
        # The kernel's number for the run, the one its traceback names (``<cell N>``).
        count = getattr(cell.request, "count", None)
        self.executionCount = count if type(count) is int else self.executionCount + 1
        cell.count = self.executionCount
        self._setState(cell, RunState.RUNNING, execution_count=cell.count)
        self.hub.cellChanged(cell)

    def _output(self, cell: CellModel, runId: int, event: dict) -> None:
        if cell.runId != runId or cell.leaving or self._closed:
            return
        event = cleanEvent(event)
        if event is None:
            return
        if cell.state is RunState.QUEUED and cell.request is not None:
            self._markRunning(cell)
        self._fresh(cell)
        kind = event["type"]
        if kind == "clear":
            if event["wait"]:
                cell.clearWaiting = True  # the next output clears: a loop shows no flicker
                return
            cell.clearShown()
            self.scheduleFlush()
        elif kind == "update":
            outputeffects.updateDisplays(self, event)
            return
        elif (event := self._withinQuota(cell, runId, event)) is None:
            return
        else:
            if cell.clearWaiting and kind in _CLEARED_BY:
                cell.clearShown()
            if kind == "display" and "displayId" in event:
                # display(obj, display_id=d) again: the others with that id show it too
                outputeffects.updateDisplays(self, event)
            self.append(cell, event)
            if kind == "interact":
                self.interacts.added(cell)
            if kind == "file":
                outputeffects.recordFile(self, cell, event["path"])
        self.hub.cellChanged(cell)

    def _withinQuota(self, cell: CellModel, runId: int, event: dict) -> dict | None:
        """``event`` if the worksheet's quota leaves room for it (stream text cut to the room
        left), else None; the cell is told once per run that the rest of its output is
        dropped."""
        size = self.hub.size
        if size.fits(storedSize(event)):
            return event
        room = size.room()
        kept = dict(event, text=event["text"][:room]) if event["type"] == "stream" and room > 0 else None
        if self._toldFull.get(cell.id) != runId:
            self._toldFull[cell.id] = runId
            if kept is not None:
                self.append(cell, kept)
                kept = None
            self.append(cell, {"type": "notice", "text": self.hub.quotas.fullNotice()})
            self.hub.cellChanged(cell)
        return kept

    def append(self, cell: CellModel, event: dict) -> None:
        """Add an output event to ``cell``; it is stored with the next batch."""
        cell.addOutput(event)
        self.hub.size.grew(storedSize(event))
        self.scheduleFlush()

    def scheduleFlush(self) -> None:
        if self._flushCall is None and not self._closed:
            self._flushCall = self.reactor.callLater(self.flushSeconds, self.flushAll)

    def _finished(self, result, cell: CellModel, runId: int) -> None:
        if cell.runId != runId or cell.leaving:
            self.hub.maybeIdle()
            return
        cell.request = None
        if result.status == "cancelled" and cell.state is RunState.QUEUED:
            self._unqueue(cell)  # it never ran (an interrupt, a restart): as it was before
            self.hub.maybeIdle()
            return
        if cell.state is RunState.QUEUED:
            self._markRunning(cell)
        message = result.message
        if result.status in _SILENT or message == _PLAIN_INTERRUPT:
            message = ""
        runAll = self._active.get(cell)
        if (cell.ranBy == AUTO and result.status == "timeout" and self.kernel is not None
                and self.kernel.state is KernelState.DEAD):
            self._autoTimedOut = True
        state = _FINAL.get(result.status, RunState.ERROR)
        self._end(cell, state, message)
        if state is RunState.ERROR and runAll is not None:
            for other in [c for c, r in self._active.items() if r == runAll]:
                self.cancel(other)  # Run all stops at the first error
        self.hub.filesQuota.measure()  # what it wrote may be past the quota
        self.hub.maybeIdle()

    def cancel(self, cell: CellModel) -> bool:
        """Take a queued cell out of the queue, so that it never runs (the others run as
        before); it is as it was before.  False if it is not queued (it runs already, or not)."""
        if cell.state is not RunState.QUEUED:
            return False
        request = cell.request
        cell.runId += 1  # its request's end, if any, is not this cell's any more
        if request is not None and not request.cancel():
            cell.runId -= 1
            return False  # it has just started
        cell.request = None
        self._waiting = [w for w in self._waiting if w[0] is not cell]
        self._unqueue(cell)
        self.hub.maybeIdle()
        return True

    def _unqueue(self, cell: CellModel) -> None:
        """A cell leaves the queue without having run: idle, with its outputs, their count and
        who ran them, as before it was queued."""
        cell.ranBy = self._before.pop(cell, cell.ranBy)
        self._setState(cell, RunState.IDLE, ran_by=cell.ranBy)
        self.hub.cellChanged(cell)

    def answer(self, cell: CellModel, text: str) -> bool:
        """Answer the input() the cell waits on; False if it waits on none."""
        request = cell.request
        if request is None or self.kernel is None or not self.kernel.answerInput(request, text):
            return False
        cell.answerInput(text)
        self.scheduleFlush()
        self.hub.cellChanged(cell)
        return True

    def _end(self, cell: CellModel, state: RunState, notice: str = "") -> None:
        self._before.pop(cell, None)
        if cell.answerInput(None):  # its input() was never answered
            self.scheduleFlush()
        if notice:
            self.append(cell, {"type": "notice", "text": notice})
        self._flush(cell)
        self._setState(cell, state)
        self.hub.cellChanged(cell)

    # -- storing output in batches -----------------------------------------------------------

    def flushAll(self) -> None:
        self._flushCall = None
        for cell in self.hub.cells:
            self._flush(cell)

    def _flush(self, cell: CellModel) -> None:
        if cell.rewrite:  # replaced or cleared while it ran: the store gets the log whole
            cell.rewrite = False
            cell.unstored = []
            self.store.replace_outputs(cell.id, chunksOf(cell.outputs)).addErrback(
                self._outputsFailed, cell)
            return
        if not cell.unstored:
            return
        chunks = chunksOf(cell.unstored)
        cell.unstored = []
        self.store.append_outputs(cell.id, chunks).addErrback(self._outputsFailed, cell)

    def _outputsFailed(self, failure, cell: CellModel) -> None:
        """A batch of the cell's outputs was not saved: the next batch stores its log whole,
        so a refusal of the store loses nothing that is still shown."""
        self.storeFailed(failure, f"saving the outputs of cell {cell.id}")
        if not cell.leaving:
            cell.rewrite = True

    # -- stopping ----------------------------------------------------------------------------

    def forget(self, cell: CellModel) -> None:
        """The cell is leaving the worksheet: stop its run, drop its late output."""
        request, cell.request = cell.request, None
        cell.runId += 1
        cell.unstored = []
        if cell in self._active:
            del self._active[cell]
            self.hub.kernelChanged()  # it leaves the queue
        self.interacts.cellReset(cell)
        self._waiting = [w for w in self._waiting if w[0] is not cell]
        if (request is not None and not request.cancel() and request.status == "running"
                and self.kernel is not None):
            self.kernel.interrupt()

    def _dropWaiting(self) -> None:
        """The cells waiting for a kernel leave the queue (an interrupt, a restart, the end)."""
        waiting, self._waiting = self._waiting, []
        for cell, runId, _code in waiting:
            if cell.runId == runId:
                self._unqueue(cell)

    def interrupt(self) -> Deferred:
        """Drop every queued cell and interrupt the running one; fires with the kernel's word
        ("idle", "interrupted", "running" or "restarted")."""
        self._dropWaiting()
        self.interacts.interrupt()
        if self.kernel is None:
            return succeed("idle")
        for cell in self.hub.cells:
            if cell.request is not None and cell.request.status == "queued":
                cell.request.cancel()
        return self.kernel.interrupt()

    def restart(self, start: bool = True) -> Deferred:
        """Restart the kernel with an empty namespace (``start`` False: stop it, and the next
        run starts one); queued and running cells stop."""
        self._dropWaiting()
        self.executionCount = 0
        self._autoTimedOut = False  # asked for: the %auto cells run again
        if self.kernel is None:
            return succeed(self._ensureKernel() if start else None)
        # A new worker's start queues the %auto cells.
        return self.kernel.restart() if start else self.kernel.shutdown("stopped")

    def clear(self, cells: list[CellModel]) -> Deferred:
        calls = []
        for cell in cells:
            cell.resetOutputs()
            self.interacts.cellReset(cell)
            calls.append(self.store.clear_outputs(cell.id))
            if cell.state in (RunState.DONE, RunState.ERROR, RunState.INTERRUPTED):
                self._setState(cell, RunState.IDLE)
            if not cell.active:
                cell.count = None  # [ ] as in Jupyter (the store forgets it too)
            self.hub.cellChanged(cell)
        return DeferredList(calls, fireOnOneErrback=True, consumeErrors=True).addCallback(
            lambda _: None)

    # -- questions for an idle kernel --------------------------------------------------------

    def _whenKernel(self) -> Deferred:
        """The kernel, started now if there is none; fails saying why none could be."""
        self._ensureKernel()
        ready = Deferred()
        if self.kernel is None and self._acquiring is not None:  # fires after _acquired
            self._acquiring.addBoth(lambda result: (ready.callback(None), result)[1])
        else:
            ready.callback(None)
        return ready.addCallback(self._theKernel)

    def _theKernel(self, _) -> object:
        if self.kernel is None:
            raise RuntimeError(self._acquireError or "No kernel could be started.")
        return self.kernel

    def ask(self, question: str, *args) -> Deferred:
        """The kernel's answer to ``question`` ("complete", "introspect" or "signature")."""
        return self._whenKernel().addCallback(lambda kernel: getattr(kernel, question)(*args))

    def shutdown(self) -> Deferred:
        """Stop the kernel and write what is pending; fires when the store has it."""
        self._closed = True
        self._dropWaiting()
        kernel, self.kernel = self.kernel, None
        d = kernel.shutdown() if kernel is not None else succeed(None)

        def done(_):
            if kernel is not None:
                kernel.removeStateListener(self._kernelState)
            if self._flushCall is not None and self._flushCall.active():
                self._flushCall.cancel()
            self.flushAll()
            # Calls commit in order: when this read answers, every write before it is saved.
            return self.store.get_worksheet(self.hub.worksheetId).addBoth(lambda _: None)

        return d.addBoth(done)
