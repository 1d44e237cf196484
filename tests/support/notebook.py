"""The notebook on a Clock: hubs, the real site and worksheet pages, scripted kernels.

``FakeKernel`` has the ``athena_nb.kernel.Kernel`` interface the hub uses; the test decides
when a cell prints and when it ends (``emit``, ``finish``), or gives it ``autoRun`` to evaluate
simple Python at once.  Its cells are the real ``ExecuteRequest`` (queueing, cancelling, output
delivery), with no output cap.  ``NotebookEnv`` is the whole web site (the service's gate and auth, the
worksheet pages) over in-memory HTTP with a store whose commits run when the test settles.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import tempfile
import traceback

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from athena_nb.hubs import HubRegistry
from athena_nb.kernel import (
    ExecuteRequest,
    ExecuteResult,
    KernelBusyError,
    KernelState,
    StateChange,
)
from athena_nb.store.testing import open_manual_store
from athena_nb.web.auth import COOKIE, Auth
from athena_nb.web.client import WIDGETS, worksheetOf
from athena_nb.web.site import buildSite
from livefragments import Settings
from livefragments.client import LiveClient
from tests.support.memoryhttp import MemoryHTTP
from tests.support.webenv import MODULES, TOKEN, Browser


def autoPython(kernel, request):
    """Run ``request.code`` as Python at once, in the kernel's namespace (for tests only)."""
    out = io.StringIO()
    status = "ok"
    try:
        with contextlib.redirect_stdout(out):
            lines = request.code.rstrip().split("\n")
            try:
                last = compile(lines[-1], "<cell>", "eval")
            except SyntaxError:
                last = None
            if last is None:
                value = None
                exec(compile(request.code, "<cell>", "exec"), kernel.namespace)
            else:
                exec(compile("\n".join(lines[:-1]), "<cell>", "exec"), kernel.namespace)
                value = eval(last, kernel.namespace)
    except Exception as e:
        status = "error"
        if out.getvalue():
            request.emit({"type": "stream", "name": "stdout", "text": out.getvalue()})
        request.emit({"type": "error", "ename": type(e).__name__, "evalue": str(e),
                      "traceback": "".join(traceback.format_exception_only(e))})
        return status
    if out.getvalue():
        request.emit({"type": "stream", "name": "stdout", "text": out.getvalue()})
    if value is not None:
        request.emit({"type": "result", "data": {"text/plain": repr(value)}})
    return status


class FakeKernel:
    """A scripted kernel: cells run one at a time; the test makes them print and end."""

    def __init__(self, reactor=None, cwd=None, autoRun=None):
        self.reactor, self.cwd = reactor, cwd
        self.state = KernelState.DEAD
        self.stateReason = "The kernel has not been started."
        self.queue: list[ExecuteRequest] = []
        self.running: ExecuteRequest | None = None
        self.listeners = []
        self.namespace: dict = {}
        self.autoRun = autoRun
        self.starts = self.interrupts = self.restarts = self.shutdowns = 0
        self.completions: dict = {"matches": [], "start": 0, "end": 0}
        self._ids = itertools.count(1)

    def addStateListener(self, listener):
        self.listeners.append(listener)

    def removeStateListener(self, listener):
        self.listeners.remove(listener)

    def _set(self, state, reason):
        old, self.state, self.stateReason = self.state, state, reason
        for listener in list(self.listeners):
            listener(StateChange(self, old, state, reason))

    def start(self):
        if self.state is KernelState.DEAD:
            self.starts += 1
            self._set(KernelState.STARTING, "The kernel is starting.")
            self._set(KernelState.IDLE, "The kernel is ready.")
        return succeed(None)

    def execute(self, code, onOutput=None):
        request = ExecuteRequest(self, next(self._ids), code, onOutput, outputChars=None)
        self.queue.append(request)
        if self.state is KernelState.DEAD:
            self.start()
        self._pump()
        return request

    def _dequeue(self, request):
        """``ExecuteRequest.cancel`` takes a queued request out of the queue here."""
        self.queue.remove(request)

    def _pump(self):
        while self.state is KernelState.IDLE and self.queue and self.running is None:
            request = self.running = self.queue.pop(0)
            request.status = "running"
            self._set(KernelState.BUSY, "The kernel is running a cell.")
            if self.autoRun is not None:
                status = self.autoRun(self, request)
                self.finish(status, "" if status == "ok" else "The cell raised an error.")

    def emit(self, event):
        """The running cell outputs ``event``."""
        self.running.emit(event)

    def print(self, text, name="stdout"):
        self.emit({"type": "stream", "name": name, "text": text})

    def finish(self, status="ok", message=""):
        """The running cell ends with ``status``."""
        request, self.running = self.running, None
        self._set(KernelState.IDLE, "The kernel is ready.")
        request.finish(ExecuteResult(status, message))
        self._pump()

    def interrupt(self):
        if self.running is None:
            return succeed("idle")
        self.interrupts += 1
        self.emit({"type": "error", "ename": "KeyboardInterrupt", "evalue": "",
                   "traceback": "KeyboardInterrupt\n"})
        self.finish("interrupted", "The cell was interrupted.")
        return succeed("interrupted")

    def _stop(self, why):
        queued, self.queue = self.queue, []
        for request in queued:
            request.finish(ExecuteResult("cancelled", f"{why} before this cell ran, so it did "
                                                      "not run."))
        request, self.running = self.running, None
        self.namespace = {}
        self._set(KernelState.DEAD, f"{why}.")
        if request is not None:
            request.finish(ExecuteResult("interrupted", f"{why} while this cell ran."))

    def restart(self):
        self.restarts += 1
        self._stop("The kernel was restarted")
        return self.start()

    def shutdown(self):
        self.shutdowns += 1
        if self.state is not KernelState.DEAD:
            self._stop("The kernel was shut down")
        return succeed(None)

    def complete(self, code, cursor):
        if self.state is KernelState.BUSY:
            return fail(KernelBusyError("The kernel is busy running a cell, so it cannot "
                                        "complete now; try again when the cell has finished."))
        self.lastCompletion = (code, cursor)
        return succeed(self.completions)

    def introspect(self, name, detail=0):
        return succeed({"found": name in self.namespace, "text": f"{name}: help"})


class NotebookEnv:
    """The site (gate, auth, home, worksheet pages) and hubs on a Clock with fake kernels."""

    def __init__(self, autoRun=None, lingerSeconds=30.0, outputFlushSeconds=0.2,
                 settings: Settings | None = None):
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.store, self.writer = open_manual_store(self.clock)
        self.kernels: list[FakeKernel] = []
        self.dataDir = tempfile.mkdtemp(prefix="athena-nb-test-")

        def factory(reactor, cwd):
            kernel = FakeKernel(reactor, cwd, autoRun)
            self.kernels.append(kernel)
            return kernel

        self.hubs = HubRegistry(self.clock, self.store, factory, self.dataDir,
                                lingerSeconds=lingerSeconds,
                                outputFlushSeconds=outputFlushSeconds)
        self.auth = Auth(self.clock, self.store, token=TOKEN,
                         runInThread=lambda f, *a: succeed(f(*a)))
        self.auth.onRevoked(lambda link, ids: self.hubs.closeSessions(
            ids, "Your share link was revoked; you no longer have access."))
        self.settings = settings or Settings(cookieName=COOKIE)
        self.site = buildSite(reactor=self.clock, store=self.store, auth=self.auth,
                              hubs=self.hubs, settings=self.settings, modules=MODULES)
        self.http = MemoryHTTP(self.site)

    @property
    def kernel(self) -> FakeKernel:
        return self.kernels[-1]

    def settle(self, d=None, rounds=30):
        """Run commits and zero-delay calls until ``d`` fires (or things are quiet)."""
        results = []
        if d is not None:
            d.addBoth(results.append)
        for _ in range(rounds):
            self.writer.flush()
            self.clock.advance(0)
            if d is not None and results:
                break
        if d is None:
            return None
        assert results, "the Deferred never fired"
        return results[0]

    def run(self, d):
        result = self.settle(d)
        if hasattr(result, "raiseException"):
            result.raiseException()
        return result

    def later(self, seconds):
        """Let ``seconds`` pass (in small steps, so timers fire in order), then settle."""
        steps = max(1, int(seconds / 0.05))
        for _ in range(steps):
            self.clock.advance(seconds / steps)
            self.settle(rounds=3)
        self.settle()

    def browser(self) -> Browser:
        return Browser(self)

    def owner(self) -> Browser:
        b = self.browser()
        answer = b.get(f"/?token={TOKEN}")
        assert answer.code == 303, answer.body
        return b

    def guest(self, owner: Browser, worksheetId: str, role: str, name: str) -> tuple[Browser, str]:
        """A share-link visitor (a Browser with its session) and the link's token."""
        import json

        answer = owner.post(f"/api/worksheets/{worksheetId}/links", {"role": role})
        assert answer.code == 201, answer.body
        link = json.loads(answer.body)["link"]
        guest = self.browser()
        joined = guest.form(link["path"], name=name)
        assert joined.code == 303, joined.body
        return guest, link["token"]

    def worksheet(self, title="Sheet", cells=("",)):
        return self.run(self.store.create_worksheet(title, cells))

    def open(self, worksheetId: str, browser: Browser):
        """A live page on the worksheet, as ``browser``: (LiveClient, WorksheetClient)."""
        d = Deferred.fromCoroutine(LiveClient.open(
            self.clock, f"http://127.0.0.1:8080/worksheets/{worksheetId}/", http=self.http,
            widgetClasses=WIDGETS, cookies={COOKIE: browser.cookie}))
        client = self.run(d)
        self.settle()
        return client, worksheetOf(client)

    def call(self, d):
        """Settle and return the call's result, or the RemoteError it failed with."""
        result = self.settle(d)
        return getattr(result, "value", result)
