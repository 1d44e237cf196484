"""The Kernel: one compute process per worksheet (tests: tests/unit/test_kernel_kernel.py).

It owns a WorkerProcess, queues execution requests (one runs at a time, in order), turns worker
frames into output events, keeps an explicit state (STARTING, IDLE, BUSY, DEAD) and applies the
limits that the server enforces: per-cell wall clock, output cap, interrupt escalation, idle
culling. Everything happens on the reactor thread; nothing here blocks. Its deadlines are
``NamedTimers`` (timers.py), its unanswered questions ``PendingReplies`` (replies.py), its
interrupts and time limits ``Interrupts`` (interrupts.py), and what it says when a worker
stops is worded in endings.py.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable
from typing import Any

import pexpect
from twisted.internet import defer
from twisted.logger import Logger

from .endings import ExitStatus, cancelledMessage, cutShortResult, deadReason
from .interrupts import Interrupts
from .isolation import Isolation, identity
from .limits import KernelLimits
from .outputlimits import brief
from .process import WorkerProcess, defaultPython
from .questions import Questions
from .replies import PendingReplies
from .requests import (
    _ALLOWED,
    EVENT_TYPES,
    SYSTEMS,
    ExecuteRequest,
    ExecuteResult,
    IllegalTransition,
    KernelNotRunningError,
    KernelStartError,
    KernelState,
    StateChange,
)
from .timers import NamedTimers

log = Logger()


class Kernel(Questions, Interrupts):
    """A Sage or Python compute process for one worksheet, driven by the reactor."""

    def __init__(self, reactor: Any, *, system: str = "python", python: str | None = None,
                 cwd: str | None = None, limits: KernelLimits | None = None,
                 env: dict[str, str] | None = None, isolation: Isolation | None = None,
                 processFactory: Callable[..., Any] = WorkerProcess) -> None:
        if system not in SYSTEMS:
            raise ValueError("A kernel's system must be 'python' or 'sage', not %r." % (system,))
        self.reactor = reactor
        self.system = system
        self.python = python or defaultPython()
        self._ownsCwd = cwd is None
        self.cwd: str | None = os.path.abspath(cwd) if cwd is not None else None
        self.limits = limits if limits is not None else KernelLimits()
        self.env = env
        #: the sandbox and cgroups its workers run in (isolation.py); None: neither
        self.isolation = isolation
        self.state = KernelState.DEAD
        self.stateReason = "The kernel has not been started."
        self.info: dict[str, Any] = {}
        self._processFactory = processFactory
        self._process: Any = None  # a WorkerProcess, or what processFactory makes
        self._ids = itertools.count(1)
        self._queue: deque[ExecuteRequest] = deque()
        self._running: ExecuteRequest | None = None
        self._lastRequest: ExecuteRequest | None = None
        self._replies = PendingReplies(reactor)
        self._listeners: list[Callable[[StateChange], object]] = []
        self._startWaiters: list[defer.Deferred[None]] = []
        self._stopWaiters: list[defer.Deferred[None]] = []
        self._interruptWaiters: list[defer.Deferred[str]] = []
        # why the current process is being stopped (a key of STOP_REASONS), once we decided to
        self._ending: str | None = None
        self._restartAfterExit = False
        self._startFailure: str | None = None
        self._ttyOutput: list[str] = []
        self._generation = 0
        self._timers = NamedTimers(reactor)
        self._interruptSent = False  # a SIGINT went out since the last execute request
        #: The running cell outlived an interrupt's grace: the next interrupt restarts.
        self._unstopped = False
        self._bound: tuple[int, int] | None = None
        #: Cells sent to a worker since the last restart(): each request's ``count``, which the
        #: worker names the cell by in tracebacks (``<cell N>``), also across a worker that
        #: died and was started again, so that the page's execution count and the traceback agree.
        self.executionCount = 0

    @property
    def processId(self) -> int | None:
        """The pid of the process the server started for the worker (its keeper, or
        bubblewrap when sandboxed), None while there is none."""
        return getattr(self._process, "pid", None)

    # -- state --------------------------------------------------------------------------------

    def addStateListener(self, listener: Callable[[StateChange], object]) -> None:
        """Call ``listener(StateChange)`` on every state change."""
        self._listeners.append(listener)

    def removeStateListener(self, listener: Callable[[StateChange], object]) -> None:
        self._listeners.remove(listener)

    def _setState(self, new: KernelState, reason: str) -> None:
        old = self.state
        if new not in _ALLOWED[old]:
            raise IllegalTransition("A kernel cannot go from %s to %s." % (old.name, new.name))
        self.state = new
        self.stateReason = reason
        change = StateChange(self, old, new, reason)
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.failure("A kernel state listener failed")

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> defer.Deferred[None]:
        """Start the worker; the Deferred fires (with None) once it is ready for cells."""
        if self.state in (KernelState.IDLE, KernelState.BUSY) and self._ending is None:
            return defer.succeed(None)
        d: defer.Deferred[None] = defer.Deferred()
        self._startWaiters.append(d)
        if self.state == KernelState.STARTING:
            return d
        if self._process is not None:  # the previous worker is still on its way out
            self._restartAfterExit = True
        else:
            self._spawn()
        return d

    def _spawn(self) -> None:
        self._restartAfterExit = False
        self._startFailure = None
        self._ttyOutput = []
        if self._ownsCwd and (self.cwd is None or not os.path.isdir(self.cwd)):
            self.cwd = tempfile.mkdtemp(prefix="athena-nb-kernel-")
        self._setState(KernelState.STARTING, "The kernel is starting.")
        self._bound = identity(self.cwd)  # what a sandboxed worker sees at INSIDE
        extra = {"isolation": self.isolation} if self.isolation is not None else {}
        process = self._processFactory(
            self.reactor, self, python=self.python, system=self.system, cwd=self.cwd,
            env=self.env, limits=self.limits.workerLimits(), **extra)
        try:
            process.start()
        except (OSError, ValueError, pexpect.ExceptionPexpect) as e:
            self._startFailed("The kernel could not start: cannot run %s: %s." % (self.python, e))
            return
        self._process = process
        self._generation += 1
        self._timers.schedule("start", self.limits.startSeconds, self._startTimedOut)

    def _startTimedOut(self) -> None:
        self._startFailure = ("The kernel did not become ready within %g s; it was stopped."
                              % self.limits.startSeconds)
        self._stop("failed", kill=True)

    def _startFailed(self, message: str) -> None:
        self._setState(KernelState.DEAD, message)
        self._failStartWaiters(message)
        self._failQueued("died", "The kernel could not start, so this cell did not run: %s"
                         % message)
        self._interruptDone("restart failed")

    def restart(self) -> defer.Deferred[None]:
        """Stop the worker (a running cell is stopped, queued cells are cancelled) and start a
        new one with an empty namespace; fires when the new one is ready."""
        self.executionCount = 0
        if self._process is None:
            return self.start()
        d: defer.Deferred[None] = defer.Deferred()
        self._startWaiters.append(d)
        self._restartAfterExit = True
        if self._ending is None:
            self._stop("restart", kill=self.state != KernelState.IDLE)
        return d

    def shutdown(self, reason: str = "shutdown") -> defer.Deferred[None]:
        """Stop the worker for good (``reason``: a key of STOP_REASONS); fires once it has
        exited. A later execute() starts a new worker, which counts its cells from 1."""
        self._restartAfterExit = False
        self.executionCount = 0
        self._failStartWaiters("The kernel was shut down before it was ready.")
        if self._process is None:
            self._removeOwnCwd()
            return defer.succeed(None)
        d: defer.Deferred[None] = defer.Deferred()
        self._stopWaiters.append(d)
        if self._ending is None:
            self._stop(reason, kill=self.state != KernelState.IDLE)
        else:
            self._ending = reason if self._ending == "restart" else self._ending
        return d

    def _failStartWaiters(self, message: str) -> None:
        waiters, self._startWaiters = self._startWaiters, []
        for d in waiters:
            d.errback(KernelStartError(message))

    def _removeOwnCwd(self) -> None:
        if self._ownsCwd and self.cwd and os.path.isdir(self.cwd):
            shutil.rmtree(self.cwd, ignore_errors=True)

    def _stop(self, reason: str, kill: bool) -> None:
        """Begin stopping the worker for ``reason`` (a key of STOP_REASONS); the rest happens
        in workerExited."""
        self._ending = reason
        self._unstopped = False
        for name in ("wall", "idle", "grace"):
            self._timers.cancel(name)
        self._failQueued("cancelled", cancelledMessage(reason))
        if kill:
            self._process.kill()
        else:
            self._process.closeChannel()
            self._timers.schedule("kill", self.limits.shutdownGraceSeconds, self._process.kill)

    def _failQueued(self, status: str, message: str) -> None:
        queued, self._queue = list(self._queue), deque()
        for request in queued:
            request.finish(ExecuteResult(status, message))

    # -- the worker reports ---------------------------------------------------------------------

    def workerOutput(self, name: str, text: str) -> None:
        if name == "tty":
            if self.state == KernelState.STARTING:
                self._ttyOutput.append(text[-4000:])
                return
            name = "stdout"
        target = self._running or self._lastRequest
        if target is not None:
            target.emit({"type": "stream", "name": name, "text": text})
        else:
            log.info("Kernel output with no cell to show it: {text!r}", text=text[:200])

    def workerMessage(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "ready" and self.state == KernelState.STARTING and self._ending is None:
            self._timers.cancel("start")
            self.info = message
            self._setState(KernelState.IDLE, "The kernel is ready.")
            waiters, self._startWaiters = self._startWaiters, []
            for d in waiters:
                d.callback(None)
            self._interruptDone("restarted")
            self._pump()
        elif op == "fatal":
            self._startFailure = str(message.get("message") or "The kernel could not start.")[:2000]
            tb = message.get("traceback")
            if tb:
                log.error("Kernel start failed:\n{tb}", tb=str(tb)[-5000:])
        elif op == "event":
            event = message.get("event")
            request = self._running
            if (request is None or message.get("id") != request.id or not isinstance(event, dict)
                    or event.get("type") not in EVENT_TYPES):
                log.warn("Kernel sent an event that fits no running cell: {m}", m=brief(message))
                return
            if event["type"] == "input":
                if request.waitingInput:  # one at a time: an honest worker waits for its answer
                    return
                request.waitingInput = True
            request.emit(event)
        elif op == "done":
            self._cellDone(message)
        elif op == "reply":
            self._replies.answered(message)
        elif op == "oversize":  # made by our decoder: its channel cannot be read on
            log.warn("Kernel {kernel!r} sent a frame of {n} bytes; stopping it.", kernel=self,
                     n=message.get("bytes"))
            if self._ending is None and self._process is not None:
                self._stop("oversize", kill=True)
        else:
            log.warn("Kernel sent an unexpected message: {m}", m=brief(message))

    def workerChannelLost(self) -> None:
        # Without its channel the worker can take no more requests: end it.
        if self._process is not None:
            self._process.kill()

    def workerExited(self, status: ExitStatus) -> None:
        self._process = None
        self._timers.cancelAll()  # start, wall, grace, kill, idle
        reason, self._ending = self._ending, None
        self._replies.failAll(KernelNotRunningError("The kernel stopped before it answered."))

        if self.state == KernelState.STARTING:
            if reason in ("restart", "shutdown", "stopped"):
                self._setState(KernelState.DEAD, deadReason(reason, status, self.limits))
            else:
                detail = self._startFailure or ("The kernel could not start: its process %s."
                                                % status.describe())
                tty = "".join(self._ttyOutput).strip()
                if tty and not self._startFailure:
                    detail += " It printed: " + tty[-2000:]
                self._startFailed(detail)
                return
        else:
            running, self._running = self._running, None
            # The state changes first, so whoever the results wake sees a dead kernel.
            if self.state != KernelState.DEAD:
                self._setState(KernelState.DEAD, deadReason(reason, status, self.limits))
            if reason is None:  # deliberate stops cancelled the queue when they began
                self._failQueued("cancelled", "The kernel stopped before this cell ran (its "
                                 "process %s), so it did not run." % status.describe())
            if running is not None:  # whoever it wakes may queue a cell, for a new worker
                self._lastRequest = running
                running.finish(cutShortResult(reason, status, self.limits))
        stoppers, self._stopWaiters = self._stopWaiters, []
        for d in stoppers:
            d.callback(None)
        if reason in ("shutdown", "stopped"):
            self._removeOwnCwd()
        if reason in ("interrupt", "timeout"):
            self._restartAfterExit = True
        if self._process is not None:  # a cell queued just now has started a new one
            pass
        elif self._restartAfterExit or self._queue:  # cells queued while it was stopping
            self._spawn()
        else:
            self._interruptDone("stopped")

    # -- cells --------------------------------------------------------------------------------

    def execute(self, code: str,
                onOutput: Callable[[dict[str, Any]], object] | None = None,
                system: str | None = None, *, fields: Any = None,
                urgent: bool = False) -> ExecuteRequest:
        """Queue ``code``; return its ExecuteRequest. ``system`` is how it runs if it names no
        mode (athena_nb.kernel.cellmodes; None: as the kernel's system); ``fields`` (a dict,
        or a function giving one when the request is sent) go to the worker with it, and may
        make it another request (``{"op": "interact", ...}``); an ``urgent`` request goes ahead
        of the queued ones that are not. A stopped kernel is started first (with a notice to
        the cell if an earlier worker had run, since its variables are gone)."""
        request = ExecuteRequest(self, next(self._ids), code, onOutput, self.limits.outputChars,
                                 system, fields, urgent)
        ahead = sum(1 for queued in self._queue if queued.urgent) if urgent else len(self._queue)
        self._queue.insert(ahead, request)
        if self.state == KernelState.DEAD and not self._restartAfterExit:
            if self._generation and self._process is None:
                request.notice("%s A new kernel was started for this cell; earlier variables "
                               "are gone." % self.stateReason)
            d = self.start()
            d.addErrback(lambda failure: None)  # the queued requests carry the failure
        self._pump()
        return request

    def answerInput(self, request: ExecuteRequest, value: str) -> bool:
        """Answer the ``input()`` that ``request``'s cell waits on; False if it waits on none
        (it ended, was interrupted, or was answered already)."""
        if request is not self._running or not request.waitingInput or self._process is None:
            return False
        request.waitingInput = False
        self._process.send({"op": "answer", "id": request.id, "value": value})
        return True

    def _dequeue(self, request: ExecuteRequest) -> None:
        try:
            self._queue.remove(request)
        except ValueError:
            pass

    def _pump(self) -> None:
        if self.state != KernelState.IDLE or self._running is not None or self._ending:
            return
        if not self._queue:
            self._armIdle()
            return
        request = self._queue.popleft()
        self._running = request
        self._lastRequest = None
        request.status = "running"
        frame = request.frame()
        if frame["op"] == "execute":  # a cell (an interact's run is not numbered)
            self.executionCount += 1
            request.count = frame["count"] = self.executionCount
        self._timers.cancel("idle")
        self._setState(KernelState.BUSY, "The kernel is running a cell.")
        # A SIGINT sent during an earlier cell may still be pending in the worker (it landed
        # after that cell ended): the worker drops it before this cell. One sent for this cell,
        # even before the worker has read the request, stays pending and stops this cell.
        discard, self._interruptSent = self._interruptSent, False
        self._process.send(dict(frame, discardInterrupts=discard))
        if self.limits.wallSeconds:
            self._timers.schedule("wall", self.limits.wallSeconds, self._wallTimeout)

    def _cellDone(self, message: dict[str, Any]) -> None:
        request = self._running
        if request is None or message.get("id") != request.id:
            log.warn("Kernel finished a cell that is not running: {m}", m=brief(message))
            return
        self._process.finishOutput()
        for event in message.get("events") or ():
            if isinstance(event, dict) and event.get("type") in EVENT_TYPES:
                request.emit(event)
        for name in ("wall", "grace"):
            self._timers.cancel(name)
        self._unstopped = False
        status = message.get("status", "error")
        text = str(message.get("message") or "")[:2000]  # a hostile kernel may send megabytes
        if status == "interrupted" and request.timedOut:
            status, text = "timeout", (f"The cell ran past its wall-clock limit of "
                                       f"{self.limits.wallSeconds:g} s and was interrupted.")
        elif status == "error":
            error = request.lastError or {}
            text = "The cell raised %s: %s" % (error.get("ename", "an exception"),
                                               error.get("evalue", ""))
        elif status not in ("ok", "interrupted", "timeout"):
            status, text = "error", "The kernel reported an unknown status %r." % status
        self._running = None
        self._lastRequest = request
        self._setState(KernelState.IDLE, "The kernel is ready.")
        request.finish(ExecuteResult(status, text))
        self._interruptDone("interrupted")
        self._pump()

    def _armIdle(self) -> None:
        if self.limits.idleSeconds and self.state == KernelState.IDLE:
            self._timers.schedule("idle", self.limits.idleSeconds, self._cull)

    def _cull(self) -> None:
        if self.state == KernelState.IDLE and not self._queue and self._ending is None:
            self._stop("idle", kill=False)

    def __repr__(self) -> str:
        return "<Kernel %s %s pid=%s>" % (self.system, self.state.name,
                                          getattr(self._process, "pid", None))

