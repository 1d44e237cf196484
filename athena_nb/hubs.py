"""``HubRegistry``: one hub per open worksheet, made on demand, closed when idle.

Tests: tests/unit/test_hubs.py.

``HubRegistry.open(worksheetId)`` gives the worksheet's hub, loading it from the store the first
time. A hub lives while someone views the worksheet or a cell of it is queued or running; when
neither has been true for ``lingerSeconds`` (so a reload does not lose the kernel's variables)
it closes and its kernel shuts down. ``<dataDir>/worksheets/<id>/`` is the kernel's working
directory, where the files cells create live.
"""

from __future__ import annotations

import os

from twisted.internet.defer import Deferred, DeferredList, fail, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from .hub import HubError, HubState, WorksheetHub
from .kernel.pools import KernelPools
from .quotas import Quotas
from .store import NotFoundError

log = Logger()

#: When an idle worksheet closes, its history's keystrokes older than this many seconds are
#: merged into runs of up to a minute (store's ``compact_history``).
COMPACT_AFTER = 3600.0


class WorksheetUnavailable(HubError, LookupError):
    """The worksheet does not exist or is in the trash."""


class HubRegistry:
    """``kernels`` is a ``KernelPools`` (its ``acquire(cwd, system)`` is used), a ``KernelPool``
    (``acquire(cwd)``) or a factory ``kernels(reactor, cwd) -> Kernel`` of unstarted kernels
    (like the pool's factory); its ``system``, if it says one, is what worksheets that chose
    none run."""

    def __init__(self, reactor, store, kernels, dataDir, *, lingerSeconds: float = 60.0,
                 outputFlushSeconds: float = 0.2, quotas: Quotas | None = None):
        self.reactor = reactor
        self.store = store
        self.kernels = kernels
        #: what protects the kernels (Isolation.summary(), kept by the pool), for the pages
        self.kernelProtection = getattr(kernels, "protection", None)
        self.dataDir = os.path.abspath(os.fspath(dataDir))
        self.lingerSeconds = lingerSeconds
        self.outputFlushSeconds = outputFlushSeconds
        self.quotas = quotas or Quotas()
        self.hubs: dict[str, WorksheetHub] = {}
        self._opening: dict[str, list[Deferred]] = {}
        self._closing: dict[str, Deferred] = {}
        self._lingers: dict[str, object] = {}
        self._stopped = False

    # -- kernels -----------------------------------------------------------------------------

    def kernelSource(self, cwd: str, system: str | None = None) -> Deferred:
        """A started kernel working in ``cwd``, for a worksheet whose system is ``system``."""
        if isinstance(self.kernels, KernelPools):
            return self.kernels.acquire(cwd, system)
        if hasattr(self.kernels, "acquire"):
            return self.kernels.acquire(cwd)
        kernel = self.kernels(self.reactor, cwd)
        return kernel.start().addCallback(lambda _: kernel)

    def worksheetDir(self, worksheetId: str) -> str:
        if not worksheetId or "/" in worksheetId or worksheetId.startswith("."):
            raise WorksheetUnavailable(f"{worksheetId!r} is not a worksheet id.")
        return os.path.join(self.dataDir, "worksheets", worksheetId)

    def running(self) -> list[WorksheetHub]:
        """The open worksheets whose kernel is starting or running, in the order they opened."""
        return [hub for hub in self.hubs.values() if hub.state is HubState.OPEN
                and hub.kernelInfo()["state"] in ("starting", "idle", "busy")]

    # -- opening -----------------------------------------------------------------------------

    def get(self, worksheetId: str) -> WorksheetHub | None:
        """The worksheet's hub if it is open now."""
        hub = self.hubs.get(worksheetId)
        return hub if hub is not None and hub.state is HubState.OPEN else None

    def open(self, worksheetId: str) -> Deferred:
        """Fires with the worksheet's hub (made if need be); fails WorksheetUnavailable."""
        if self._stopped:
            return fail(WorksheetUnavailable("The server is stopping."))
        hub = self.get(worksheetId)
        if hub is not None:
            self._linger(hub)
            return succeed(hub)
        d = Deferred()
        waiters = self._opening.get(worksheetId)
        if waiters is not None:
            waiters.append(d)
            return d
        self._opening[worksheetId] = [d]
        closing = self._closing.get(worksheetId)
        start = Deferred()
        start.addCallback(lambda _: self.store.load_worksheet(worksheetId))
        start.addCallbacks(self._loaded, self._loadFailed, errbackArgs=(worksheetId,))
        start.addBoth(self._opened, worksheetId)
        if closing is not None:  # the old hub's kernel is on its way out: wait for it
            closing.addBoth(lambda _: start.callback(None))
        else:
            start.callback(None)
        return d

    def _loadFailed(self, failure, worksheetId):
        if failure.check(NotFoundError):
            raise WorksheetUnavailable(f"There is no worksheet {worksheetId!r}.")
        return failure

    def _loaded(self, snapshot) -> WorksheetHub:
        if snapshot.worksheet.trashed:
            raise WorksheetUnavailable(
                f"The worksheet {snapshot.worksheet.title!r} is in the trash; restore it to open it.")
        directory = self.worksheetDir(snapshot.worksheet.id)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        hub = WorksheetHub(self.reactor, self.store, snapshot, directory, self.kernelSource,
                           outputFlushSeconds=self.outputFlushSeconds, quotas=self.quotas,
                           defaultSystem=getattr(self.kernels, "system", None))
        hub.onIdle = self._linger
        hub.kernelProtection = self.kernelProtection
        hub.kernelPools = self.kernels if isinstance(self.kernels, KernelPools) else None
        hub.filesQuota.measure()  # a worksheet past its files' quota says so at once
        return hub

    def _opened(self, result, worksheetId):
        waiters = self._opening.pop(worksheetId, [])
        if isinstance(result, WorksheetHub):
            if self._stopped:
                result.close("The server is stopping.")
                result = Failure(WorksheetUnavailable("The server is stopping."))
            else:
                self.hubs[worksheetId] = result
                self._linger(result)
        for d in waiters:
            if isinstance(result, WorksheetHub):
                d.callback(result)
            else:
                d.errback(result)
        return None

    # -- closing -----------------------------------------------------------------------------

    def _stopLinger(self, worksheetId: str) -> None:
        timer = self._lingers.pop(worksheetId, None)
        if timer is not None and timer.active():
            timer.cancel()

    def _linger(self, hub: WorksheetHub) -> None:
        """(Re)start the countdown after which an idle hub closes."""
        self._stopLinger(hub.worksheetId)
        if hub.state is HubState.OPEN and not self._stopped:
            self._lingers[hub.worksheetId] = self.reactor.callLater(
                self.lingerSeconds, self._closeIfIdle, hub)

    def _closeIfIdle(self, hub: WorksheetHub) -> None:
        self._lingers.pop(hub.worksheetId, None)
        if hub.idle and self.hubs.get(hub.worksheetId) is hub:
            self.closeHub(hub.worksheetId, "The worksheet was closed after nobody used it.")
            # Nobody is on it: merge its old keystrokes (docs/storage.md, "History").
            self.store.compact_history(
                hub.worksheetId, self.reactor.seconds() - COMPACT_AFTER).addErrback(
                lambda f: log.failure("Compacting the history of {id} failed", f,
                                      id=hub.worksheetId))

    def closeHub(self, worksheetId: str, reason: str) -> Deferred:
        """Close the worksheet's hub now (its pages are closed with ``reason``)."""
        hub = self.hubs.pop(worksheetId, None)
        self._stopLinger(worksheetId)
        if hub is None:
            return self._closing.get(worksheetId) or succeed(None)
        d = hub.close(reason)
        d.addErrback(lambda f: log.failure("Closing {hub!r} failed", f, hub=hub))
        self._closing[worksheetId] = d

        def closed(_):
            if self._closing.get(worksheetId) is d:
                del self._closing[worksheetId]

        d.addBoth(closed)
        return d

    def closeSessions(self, sessionIds, reason: str) -> int:
        """Close every page of these sessions (e.g. when a share link is revoked) for good: a
        reload would not let them in again; returns how many."""
        ids = set(sessionIds)
        closed = 0
        for hub in list(self.hubs.values()):
            for viewer in list(hub.viewers.values()):
                identity = getattr(viewer, "identity", None)
                if identity is not None and identity.sessionId in ids:
                    viewer.closeView(reason, final=True)
                    closed += 1
        return closed

    def renamed(self, worksheetId: str, title: str) -> None:
        """The worksheet was renamed elsewhere (the home page): its viewers see it at once."""
        hub = self.get(worksheetId)
        if hub is not None:
            hub.titleChangedElsewhere(title)

    def shutdown(self) -> Deferred:
        """Close every hub (their kernels stop, pending output is written); fires when done."""
        self._stopped = True
        closing = [self.closeHub(wid, "The server is shutting down.") for wid in list(self.hubs)]
        closing += list(self._closing.values())
        return DeferredList(closing, consumeErrors=True).addCallback(lambda _: None)

