"""The notebook on a Clock: hubs, the real site and worksheet pages, real kernels with scripted workers.

``NotebookEnv`` is the whole web site (the service's gate and auth, the worksheet pages) over
in-memory HTTP, with a store whose commits run when the test settles and real
``athena_nb.kernel.Kernel`` objects whose workers the test plays (tests/support/workers.py):
they start, answer questions, obey interrupts and exit on their own; the test decides when a
cell prints and ends (``env.worker.print``, ``event``, ``done``), or gives ``autoRun`` (e.g.
``runPython``) to run cells as they come.
"""

from __future__ import annotations

import tempfile

from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock

from athena_nb.hubs import HubRegistry
from athena_nb.kernel import Kernel, KernelState
from athena_nb.store.testing import open_manual_store
from athena_nb.web.auth import COOKIE, Auth
from athena_nb.web.client import WIDGETS, worksheetOf
from athena_nb.web.site import buildSite
from livefragments import Settings
from livefragments.client import LiveClient
from tests.support.memoryhttp import MemoryHTTP
from tests.support.webenv import MODULES, TOKEN, Browser
from tests.support.workers import ScriptedWorker, Workers, runPython

__all__ = ["NotebookEnv", "runPython"]


class NotebookEnv:
    """The site (gate, auth, home, worksheet pages) and hubs on a Clock, with kernels whose
    workers are scripted."""

    def __init__(self, autoRun=None, lingerSeconds=30.0, outputFlushSeconds=0.2,
                 settings: Settings | None = None):
        self.clock = Clock()
        self.clock.advance(1_700_000_000)
        self.store, self.writer = open_manual_store(self.clock)
        self.workers = Workers(self.clock, autoReady=True, obeys=True, answers=True,
                               autoRun=autoRun)
        self.kernels: list[Kernel] = []
        self.dataDir = tempfile.mkdtemp(prefix="athena-nb-test-")

        def factory(reactor, cwd):
            kernel = Kernel(reactor, cwd=cwd, processFactory=self.workers)
            self.kernels.append(kernel)
            return kernel

        factory.system = "python"  # what its kernels run, as a KernelPool says
        self.hubs = HubRegistry(self.clock, self.store, factory, self.dataDir,
                                lingerSeconds=lingerSeconds,
                                outputFlushSeconds=outputFlushSeconds)
        self.auth = Auth(self.clock, self.store, token=TOKEN,
                         runInThread=lambda f, *a: succeed(f(*a)))
        self.auth.onSessionsEnded(self.hubs.closeSessions)
        self.settings = settings or Settings(cookieName=COOKIE)
        self.site = buildSite(reactor=self.clock, store=self.store, auth=self.auth,
                              hubs=self.hubs, settings=self.settings, modules=MODULES)
        self.http = MemoryHTTP(self.site)

    @property
    def kernel(self) -> Kernel:
        """The kernel made last."""
        return self.kernels[-1]

    @property
    def worker(self) -> ScriptedWorker:
        """The worker started last (a restarted kernel has a new one)."""
        return self.workers.last

    def shutDown(self, kernel: Kernel) -> bool:
        """Whether ``kernel`` was shut down (not restarted, not died) and its worker is gone."""
        return (kernel.state is KernelState.DEAD
                and kernel.stateReason == "The kernel was shut down."
                and self.workers.of(kernel).exited)

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
