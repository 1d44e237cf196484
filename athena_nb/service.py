"""The notebook server as a Twisted service.  Tests: tests/unit/test_service.py, tests/integration/test_service.py.

``NotebookService`` is what both ``twistd athena-nb`` and ``athena-nb`` run.  Starting it opens
the store (refusing a damaged file, untouched), marks cells that were running when the server
last stopped as interrupted, starts the kernel pool and the hubs, builds the site and listens;
``ready`` fires with the URL once it does.  Stopping stops all of it in the reverse order.
"""

from __future__ import annotations

import enum
import gc
import json
import os
import tempfile

from twisted.application.service import MultiService
from twisted.internet.address import IPv6Address
from twisted.internet.defer import Deferred, ensureDeferred, maybeDeferred
from twisted.internet.endpoints import serverFromString
from twisted.logger import Logger
from twisted.python.failure import Failure

from livefragments import Settings

from .kernel import Kernel, KernelPool, sageAvailable
from .store import Store, StoreOpenError
from .web.auth import COOKIE, Auth
from .web.site import buildSite

log = Logger()

DATABASE = "athena.sqlite"
SERVER_JSON = "server.json"
#: When the hard limit is "unlimited", raise the soft limit this far (Linux's usual nr_open).
NOFILE_CAP = 1 << 20


class ServiceState(enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"


_ALLOWED = {
    ServiceState.STOPPED: {ServiceState.STARTING},
    ServiceState.STARTING: {ServiceState.RUNNING, ServiceState.FAILED, ServiceState.STOPPING},
    ServiceState.RUNNING: {ServiceState.STOPPING},
    ServiceState.STOPPING: {ServiceState.STOPPED},
    ServiceState.FAILED: {ServiceState.STOPPING},
}


class StartError(Exception):
    """The server could not start; the message says why in a sentence."""


def raiseOpenFilesLimit() -> tuple[int, int] | None:
    """Raise RLIMIT_NOFILE's soft limit to the hard one; return (old, new) soft limits."""
    try:
        import resource
    except ImportError:  # not a POSIX system
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = NOFILE_CAP if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft >= target:
        return soft, soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError) as e:
        log.warn("Could not raise the open-files limit from {soft} to {target}: {e}",
                 soft=soft, target=target, e=e)
        return soft, soft
    return soft, target


#: Allocations between two collections of the youngest generation (Python's default is 700).
GC_YOUNG_THRESHOLD = 10_000


def tuneGarbageCollector() -> None:
    """Collect less often, and never scan what start-up left alive again.

    A server with hundreds of live pages keeps many long-lived objects, and every reactor turn
    allocates request objects: with Python's default thresholds, collections took a fifth of
    the server's CPU under fan-out load, with pauses up to 60 ms (docs/performance.md).
    Objects freed by reference counting (nearly all) are not affected.
    """
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def serverURL(address, token: str, *, secure: bool) -> str:
    """The URL to open for a listening ``address``, token included."""
    host = getattr(address, "host", None)
    port = getattr(address, "port", None)
    if host is None or port is None:
        raise StartError(f"The server listens on {address}, which has no http URL; "
                         "use a TCP or TLS endpoint.")
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if isinstance(address, IPv6Address) or ":" in host:
        host = f"[{host}]"
    scheme = "https" if secure else "http"
    return f"{scheme}://{host}:{port}/?token={token}"


def writeServerJSON(dataDir: str, info: dict) -> str:
    """Write ``<dataDir>/server.json`` atomically, readable by the owner only."""
    path = os.path.join(dataDir, SERVER_JSON)
    fd, temporary = tempfile.mkstemp(prefix=".server-", suffix=".json", dir=dataDir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(info, f, indent=2)
            f.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return path


def kernelSystem(choice: str, python: str | None) -> str:
    """Resolve ``--system auto``: Sage when this interpreter can import it, else Python."""
    if choice != "auto":
        return choice
    return "sage" if sageAvailable(python) else "python"


def makeDataDir(dataDir: str) -> None:
    """Create ``dataDir`` (owner only) if it is missing; raise StartError if that fails."""
    try:
        os.makedirs(dataDir, mode=0o700, exist_ok=True)
    except OSError as e:
        raise StartError(f"Cannot create the data directory {dataDir!r}: {e.strerror}.")


def checkDatabase(dataDir: str) -> None:
    """Open and check (creating or upgrading) the store in ``dataDir`` now, in this thread, and
    close it again; raise StartError with the store's sentence if it cannot be used.

    ``twistd`` calls this before it daemonizes, so a damaged database stops it with a message
    on the terminal and a failing exit status instead of a line in a log file.
    """
    makeDataDir(dataDir)
    try:  # the store's own opening code, run synchronously: the service opens it again, threaded
        Store.check(os.path.join(dataDir, DATABASE))
    except StoreOpenError as e:
        raise StartError(str(e))


def defaultHubs(reactor, store, pool, dataDir):
    from .hubs import HubRegistry

    return HubRegistry(reactor, store, pool, dataDir)


class NotebookService(MultiService):
    """The whole server.  ``options`` is a parsed ``athena_nb.options.Options``.

    ``announce(url)`` is called once the server listens (default: log it).  ``hubsFactory``
    and ``worksheets`` exist for tests that run the service without the worksheet pages.
    """

    name = "athena-nb"

    def __init__(self, options, *, reactor=None, announce=None, hubsFactory=defaultHubs,
                 worksheets=None, poolFactory=None):
        super().__init__()
        if reactor is None:
            from twisted.internet import reactor
        self.options = options
        self.reactor = reactor
        self.announce = announce or (lambda url: log.info("Open the notebook at {url}", url=url))
        self.hubsFactory = hubsFactory
        self.worksheets = worksheets
        self.poolFactory = poolFactory or self._makePool
        self.state = ServiceState.STOPPED
        self.ready: Deferred = Deferred()
        self.url: str | None = None
        self.store = self.pool = self.hubs = self.auth = self.site = self.port = None
        self._starting: Deferred | None = None

    @property
    def dataDir(self) -> str:
        return self.options["data-dir"]

    def _moveTo(self, state: ServiceState) -> None:
        if state not in _ALLOWED[self.state]:
            raise RuntimeError(f"The notebook service cannot go from {self.state.value} to "
                               f"{state.value}.")
        self.state = state

    # -- starting ---------------------------------------------------------------------------

    def startService(self):
        self._moveTo(ServiceState.STARTING)
        super().startService()
        self._starting = ensureDeferred(self._start())
        self._starting.addCallbacks(self._started, self._startFailed)

    async def _start(self) -> str:
        options = self.options
        limits = raiseOpenFilesLimit()
        if limits is not None and limits[0] != limits[1]:
            log.info("Raised the open-files limit from {old} to {new}.", old=limits[0],
                     new=limits[1])
        makeDataDir(self.dataDir)
        self.store = await Store.open(self.reactor, os.path.join(self.dataDir, DATABASE))
        interrupted = await self.store.mark_running_cells_interrupted()
        if interrupted:
            log.info("{n} cell(s) were running when the server stopped; they are marked "
                     "interrupted.", n=len(interrupted))
        self.auth = Auth(self.reactor, self.store, token=options["token"],
                         passwordHash=options["password-hash"], cookieName=COOKIE)
        await self.auth.expireSessions()
        self.pool = self.poolFactory()
        self.hubs = self.hubsFactory(self.reactor, self.store, self.pool, self.dataDir)
        # A revoked share link ends its visitors' live pages at once.
        self.auth.onRevoked(lambda link, sessionIds: self.hubs.closeSessions(
            sessionIds, "Your share link was revoked; you no longer have access."))
        settings = Settings(cookieName=COOKIE, websocket=options["websocket"],
                            preferWebSocket=options["prefer-websocket"])
        self.site = buildSite(reactor=self.reactor, store=self.store, auth=self.auth,
                              hubs=self.hubs, settings=settings, worksheets=self.worksheets)
        endpoint = serverFromString(self.reactor, options["endpoint"])
        try:
            self.port = await endpoint.listen(self.site)
        except Exception as e:
            raise StartError(f"Cannot listen on {options['endpoint']}: {e}")
        url = serverURL(self.port.getHost(), options["token"], secure=options.secure())
        writeServerJSON(self.dataDir, {"url": url, "port": self.port.getHost().port,
                                       "pid": os.getpid(), "dataDir": self.dataDir})
        return url

    def _makePool(self) -> KernelPool:
        options = self.options
        system = kernelSystem(options["system"], options["kernel-python"])
        limits = options.kernelLimits()
        python = options["kernel-python"]
        log.info("Kernels run {system} ({python}).", system=system,
                 python=python or "this interpreter")

        def factory(reactor, cwd):
            return Kernel(reactor, system=system, python=python, cwd=cwd, limits=limits)

        return KernelPool(self.reactor, size=options["pool-size"], factory=factory)

    def _started(self, url: str) -> None:
        if self.state is not ServiceState.STARTING:  # stopped while starting
            return
        tuneGarbageCollector()
        self._moveTo(ServiceState.RUNNING)
        self.url = url
        self.announce(url)
        self.ready.callback(url)

    def _startFailed(self, failure: Failure) -> None:
        if self.state is ServiceState.STARTING:
            self._moveTo(ServiceState.FAILED)
        self.ready.errback(failure)

    # -- stopping ---------------------------------------------------------------------------

    def stopService(self):
        if self.state in (ServiceState.STOPPED, ServiceState.STOPPING):
            return None
        self._moveTo(ServiceState.STOPPING)
        super().stopService()
        starting = self._starting
        self._starting = None
        d = Deferred()
        if starting is not None and not starting.called:
            starting.addBoth(lambda _: None).chainDeferred(d)
        else:
            d.callback(None)
        d.addCallback(lambda _: ensureDeferred(self._stop()))
        d.addErrback(lambda f: log.failure("Stopping the notebook failed", f))
        d.addBoth(lambda _: self._moveTo(ServiceState.STOPPED))
        return d

    async def _stop(self) -> None:
        # Each step runs even if one before it failed: a stuck kernel must not keep the
        # database open.
        steps = [
            ("stop listening", lambda: self.port and self.port.stopListening()),
            ("close the worksheets", lambda: self.hubs and self.hubs.shutdown()),
            ("stop the kernel pool", lambda: self.pool and self.pool.shutdown()),
            ("close the store", lambda: self.store and self.store.close()),
        ]
        for what, step in steps:
            try:
                await maybeDeferred(step)
            except Exception:
                log.failure("Could not {what}", what=what)
        if self.url is not None:
            try:
                os.unlink(os.path.join(self.dataDir, SERVER_JSON))
            except OSError:
                pass
