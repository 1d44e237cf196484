"""Scripted kernel workers: the worker's side of a real ``athena_nb.kernel.Kernel``, played by the test.

A ``ScriptedWorker`` stands where a ``WorkerProcess`` stands (``Workers`` is the Kernel's
``processFactory``). It records what the Kernel asks of the worker (``sent``, ``interrupts``,
``signals``, ``channelClosed``) and speaks the worker's part when the test says so: ``ready``,
``print`` (text on its stdout pipe), ``event``, ``done``, ``reply``, ``fatal``, ``exit``, each
handed to the Kernel at once, as ``WorkerProcess`` hands over what it read. Told to, workers also
act on their own, on the reactor's next turn as a real worker would (nothing here needs a thread
or a process):

- ``autoReady``: report ready once started;
- ``obeys``: stop a running cell when interrupted, exit when killed or when the channel of an
  idle worker closes;
- ``answers``: answer completions (``completions``), introspections (``help``), signatures
  (``signatures``) and directory changes;
- ``autoRun``: run each cell with ``autoRun(worker, code)``, e.g. ``runPython``.

Used by tests/unit/test_kernel_kernel.py, tests/unit/test_pool.py and the hub tests (through
tests/support/notebook.py).
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import signal
import traceback
from collections.abc import Callable
from typing import Any

from athena_nb.kernel.process import ExitStatus

_pids = itertools.count(1000)

#: What a real worker sends when SIGINT stops a cell.
KEYBOARD_INTERRUPT = {"type": "error", "ename": "KeyboardInterrupt", "evalue": "",
                      "traceback": "KeyboardInterrupt\n"}


class Workers:
    """The ``processFactory`` of Kernels under test: makes ScriptedWorkers, keeps them in ``made``."""

    def __init__(self, reactor: Any, *, autoReady: bool = False, obeys: bool = False,
                 answers: bool = False,
                 autoRun: Callable[[ScriptedWorker, str], None] | None = None) -> None:
        self.reactor = reactor
        self.autoReady = autoReady
        self.obeys = obeys
        self.answers = answers
        self.autoRun = autoRun
        #: Raised by the next workers' ``start()``, as spawning a missing interpreter raises.
        self.failStart: Exception | None = None
        self.made: list[ScriptedWorker] = []

    def __call__(self, reactor: Any, owner: Any, **config: Any) -> ScriptedWorker:
        worker = ScriptedWorker(reactor, owner, self, config)
        self.made.append(worker)
        return worker

    @property
    def last(self) -> ScriptedWorker:
        return self.made[-1]

    def of(self, kernel: Any) -> ScriptedWorker:
        """The worker made last for ``kernel``."""
        return [w for w in self.made if w.owner is kernel][-1]


class ScriptedWorker:
    """One worker: the Kernel drives it through WorkerProcess's interface; the test answers."""

    def __init__(self, reactor: Any, owner: Any, workers: Workers, config: dict) -> None:
        self.reactor = reactor
        self.owner = owner
        self.workers = workers
        self.config = config
        self.pid: int | None = None
        self.sent: list[dict] = []
        self.interrupts = 0
        self.signals: list[int] = []
        self.channelClosed = False
        self.finished = 0  # finishOutput() calls: one per cell that ended
        self.exited = False
        self.running: dict | None = None  # the execute request the worker is on
        self.namespace: dict = {}  # what autoRun runs cells in; a new worker starts empty
        self.completions: dict = {"matches": [], "start": 0, "end": 0}
        self.help: dict = {}  # name: the introspect answer (default: a short one)
        self.signatures: dict = {}  # name: the signature answer (default: not found)

    # -- what the Kernel calls (WorkerProcess's interface) -----------------------------------------

    def start(self) -> None:
        if self.workers.failStart is not None:
            raise self.workers.failStart
        self.pid = next(_pids)
        if self.workers.autoReady:
            self._soon(self.ready)

    def send(self, message: dict) -> None:
        self.sent.append(message)
        if message["op"] in ("execute", "interact"):
            self.running = message
            if self.workers.autoRun is not None:
                self._soon(self.workers.autoRun, self, message["code"])
        elif self.workers.answers:
            self._soon(self._answer, message)

    def interrupt(self) -> None:
        self.interrupts += 1
        if self.workers.obeys and self.running is not None:
            self._soon(self._interrupted, self.running)

    def kill(self) -> None:
        self.signals.append(signal.SIGKILL)
        if self.workers.obeys:
            self._soon(self.exit, None, signal.SIGKILL)

    def closeChannel(self) -> None:
        self.channelClosed = True
        if self.workers.obeys and self.running is None:
            self._soon(self.exit, 0)

    def finishOutput(self) -> None:
        self.finished += 1

    # -- the worker's part -------------------------------------------------------------------------

    def ready(self, pid: int | None = None) -> None:
        self.owner.workerMessage({"op": "ready", "pid": pid or self.pid,
                                  "system": self.config.get("system", "python"),
                                  "session": f"session-{pid or self.pid}"})

    def lastExecute(self) -> dict:
        """The request the worker ran last (a cell, or an interact's function)."""
        return [m for m in self.sent if m["op"] in ("execute", "interact")][-1]

    def print(self, text: str, name: str = "stdout") -> None:
        """The running cell writes ``text`` to its stdout (or ``name``) pipe."""
        self.owner.workerOutput(name, text)

    def event(self, event: dict) -> None:
        """The running cell shows ``event`` now (display(), a file written)."""
        self.owner.workerMessage({"op": "event", "id": self.lastExecute()["id"], "event": event,
                                  "sync": True})

    def done(self, status: str = "ok", events: Any = (), message: str = "") -> None:
        """The cell ends with ``status``; ``events`` ride in the "done" frame."""
        request, self.running = self.lastExecute(), None
        self.owner.workerMessage({"op": "done", "id": request["id"], "status": status,
                                  "message": message, "events": list(events)})

    def reply(self, op: str, ok: bool = True, message: str = "", value: Any = None) -> None:
        """Answer the last ``op`` request (complete, introspect, chdir)."""
        self._reply([m for m in self.sent if m["op"] == op][-1], ok, message, value)

    def fatal(self, message: str) -> None:
        self.owner.workerMessage({"op": "fatal", "message": message})

    def exit(self, code: int | None = None, sig: int | None = None) -> None:
        assert not self.exited, "A worker exits only once."
        self.exited, self.running = True, None
        self.owner.workerExited(ExitStatus(sig if sig is not None else (code or 0) << 8))

    # -- acting on its own -------------------------------------------------------------------------

    def _soon(self, function: Callable[..., Any], *args: Any) -> None:
        self.reactor.callLater(0, self._unlessExited, function, args)

    def _unlessExited(self, function: Callable[..., Any], args: tuple) -> None:
        if not self.exited:
            function(*args)

    def _interrupted(self, request: dict) -> None:
        if self.running is request:
            self.done("interrupted", [KEYBOARD_INTERRUPT], "The cell was interrupted.")

    def _answer(self, message: dict) -> None:
        op = message["op"]
        if op == "complete":
            self._reply(message, value=self.completions)
        elif op == "introspect":
            name = message["name"]
            self._reply(message, value=self.help.get(name) or {
                "found": name in self.namespace, "text": f"{name}: help"})
        elif op == "signature":
            name = message["name"]
            self._reply(message, value=self.signatures.get(name, {"found": False, "name": name}))
        elif op == "chdir":
            self._reply(message, value={"cwd": message["path"]})
        else:
            self._reply(message, ok=False, message=f"Unknown request {op!r}.")

    def _reply(self, request: dict, ok: bool = True, message: str = "", value: Any = None) -> None:
        self.owner.workerMessage({"op": "reply", "id": request["id"], "ok": ok,
                                  "message": message, "value": {} if value is None else value})


def runPython(worker: ScriptedWorker, code: str) -> None:
    """Run ``code`` as Python in the worker's namespace and report it as a worker does: printed
    text on stdout, then "done" carrying the last expression's value or the error."""
    out = io.StringIO()
    events: list[dict] = []
    try:
        with contextlib.redirect_stdout(out):
            tree = ast.parse(code, "<cell>")
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, "<cell>", "exec"), worker.namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<cell>", "eval"),
                             worker.namespace)
                if value is not None:
                    events.append({"type": "result", "data": {"text/plain": repr(value)}})
        status = "ok"
    except Exception as e:
        status = "error"
        events.append({"type": "error", "ename": type(e).__name__, "evalue": str(e),
                       "traceback": "".join(traceback.format_exception_only(e))})
    if out.getvalue():
        worker.print(out.getvalue())
    worker.done(status, events)
