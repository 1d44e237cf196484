"""The whole notebook server as one Twisted service.  Tests:
tests/unit/test_service_lifecycle.py, tests/integration/test_service.py.

``NotebookService`` is what both ``twistd athena-nb`` and ``athena-nb`` run: a MultiService
whose children are its parts (athena_nb/service/_parts.py), in the order they start: the store,
the kernel pool, the hubs, the web site.  Each starts once the one before it has started and
stops once the one after it has stopped; docs/notebook.md says what each does.
"""

from __future__ import annotations

import os

from twisted.application.service import MultiService
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.logger import Logger

from ..kernel import Kernel, KernelPool, sageAvailable
from ..kernel.isolation import Isolation
from ..kernel.pools import KernelPools, describePool
from ..kernel.process import WORKER_PATH, defaultPython
from ..store import Store
from ._host import SERVER_JSON, StartError, raiseOpenFilesLimit, tuneGarbageCollector
from ._parts import HubsService, KernelPoolService, Part, StoreService, WebService

log = Logger()


def kernelSystem(choice: str, python: str | None) -> str:
    """Resolve ``--system auto``: Sage when this interpreter can import it, else Python."""
    if choice != "auto":
        return choice
    return "sage" if sageAvailable(python) else "python"


def findIsolation(options) -> Isolation:
    """The kernels' sandbox and cgroups as the options ask and this machine allows; logs what
    is in force (a warning for what is not); StartError if a required sandbox is missing."""
    python = options["kernel-python"] or defaultPython()
    isolation = Isolation.find(
        network=options["kernel-network"] == "on", python=python,
        workerDir=os.path.dirname(WORKER_PATH),
        secrets=[options["data-dir"]] + ([options["token-file"]] if options["token-file"] else []),
        useSandbox=options["kernel-sandbox"] != "off")
    summary = isolation.summary()
    if not summary["sandboxed"] and options["kernel-sandbox"] == "require":
        raise StartError("--kernel-sandbox require: " + summary["warnings"][0])
    for line in summary["lines"]:
        log.info("Kernel protection: {line}", line=line)
    for line in summary["warnings"]:
        log.warn("Kernel protection missing: {line}", line=line)
    return isolation


def defaultHubs(reactor, store, pool, dataDir, quotas=None, lingerSeconds: float = 60.0):
    from ..hubs import HubRegistry

    return HubRegistry(reactor, store, pool, dataDir, quotas=quotas, lingerSeconds=lingerSeconds)


class NotebookService(MultiService):
    """The whole server.  ``options`` is a parsed ``athena_nb.options.Options``.

    ``ready`` fires with the URL once every part has started (``announce(url)`` is called
    first; by default it logs the URL without its token), or fails as the first part that could not start did.
    ``openStore``, ``poolFactory`` and ``hubsFactory`` make the store, the kernel pool and the
    hubs; tests pass their own.
    """

    name = "athena-nb"

    def __init__(self, options, *, reactor=None, announce=None, openStore=Store.open,
                 poolFactory=None, hubsFactory=None):
        super().__init__()
        if reactor is None:
            from twisted.internet import reactor
        self.options = options
        self.reactor = reactor
        self.announce = announce or self._announceWithoutToken
        self.ready: Deferred = Deferred()
        #: The parts' start and stop work, each link run once the ones before it are done.
        self._turns: Deferred = succeed(None)
        dataDir = options["data-dir"]
        self.storeService = StoreService(reactor, dataDir, openStore)
        self.poolService = KernelPoolService(poolFactory or self._makePool)
        self.hubsService = HubsService(
            lambda store, pool: (hubsFactory or self._defaultHubs)(reactor, store, pool, dataDir),
            self.storeService, self.poolService)
        self.webService = WebService(reactor, options, self.storeService, self.hubsService)
        for part in (self.storeService, self.poolService, self.hubsService, self.webService):
            part.setServiceParent(self)

    def _announceWithoutToken(self, url: str) -> None:
        """Say where the notebook is in the log, which may be a file others read (twistd.log):
        without the token, which is in server.json, readable by the owner only."""
        log.info("The notebook is at {address}; open the address in {path}, which holds the "
                 "token, to log in.", address=url.split("?", 1)[0],
                 path=os.path.join(self.options["data-dir"], SERVER_JSON))

    def _defaultHubs(self, reactor, store, pool, dataDir):
        return defaultHubs(reactor, store, pool, dataDir, self.options.quotas(),
                           lingerSeconds=self.options["kernel-keep-minutes"] * 60.0)

    def _makePool(self) -> KernelPools:
        """The kernel pools: one of the server's system (``--pool-size``) and, when that is
        Python and Sage is installed, one of Sage kernels for Sage worksheets
        (``--sage-pool-size``)."""
        options = self.options
        python = options["kernel-python"]
        system = kernelSystem(options["system"], python)
        limits = options.kernelLimits()
        log.info("Kernels run {system} ({python}).", system=system,
                 python=python or "this interpreter")
        isolation = findIsolation(options)
        scratch = os.path.join(options["data-dir"], "worksheets", ".pool")

        def makePool(kind: str, size: int, where: str) -> KernelPool:
            def factory(reactor, cwd):
                return Kernel(reactor, system=kind, python=python, cwd=cwd, limits=limits,
                              isolation=isolation)

            pool = KernelPool(self.reactor, size=size, factory=factory, system=kind,
                              scratch=where)
            pool.onFull = lambda p: log.info("Kernel pool ready: {text}",
                                             text=describePool(p.summary()))
            return pool

        pools = {system: makePool(system, options["pool-size"], scratch)}
        if system != "sage":
            sageSize = self._sagePoolSize(python)
            if sageSize is not None:
                pools["sage"] = makePool("sage", sageSize, scratch + "-sage")
        elif options["sage-pool-size"] is not None:
            log.warn("--sage-pool-size is ignored with --system sage: every kernel is a Sage "
                     "kernel then, and --pool-size says how many are kept started.")
        kernels = KernelPools(pools, system)
        kernels.protection = isolation.summary()
        log.info("Kernel pools: {sizes} kept started; each pool's memory is logged once it "
                 "is full and shown on worksheet pages.", sizes=", ".join(
                     "%d %s kernel(s)" % (p.size, p.system) for p in pools.values()))
        return kernels

    def _sagePoolSize(self, python: str | None) -> int | None:
        """How many Sage kernels to keep started beside Python ones; None: no Sage kernels
        at all (Sage worksheets then load Sage into a Python kernel, or say it is missing)."""
        asked = self.options["sage-pool-size"]
        available = sageAvailable(python)
        if available is False:
            if asked:
                log.warn("--sage-pool-size {size}: Sage is not installed for this interpreter, "
                         "so no Sage kernels are kept started.", size=asked)
            return None
        if available is None and asked is None:
            return None  # another interpreter, which may lack Sage: only when asked for
        return (1 if asked is None else asked)

    # -- the parts' turns --------------------------------------------------------------------

    def startInTurn(self, work) -> None:
        """Run a part's ``work()`` once the parts before it have started; never, if one of
        them could not (its failure goes on to ``ready``)."""
        self._turns.addCallback(lambda _: work())

    def stopInTurn(self, part: Part) -> Deferred:
        """Run ``part.shutDown()`` once everything handed in before it is done; fires when it
        is.  A part that cannot stop is logged and the next one stops all the same: a stuck
        kernel must not keep the database open."""
        stopped = Deferred()

        def turn(_):
            d = maybeDeferred(part.shutDown)
            d.addErrback(lambda f: log.failure("Could not stop the {part}", f, part=part.name))
            return d.addCallback(lambda _: stopped.callback(None))

        self._turns.addCallback(turn)
        return stopped

    # -- starting and stopping ---------------------------------------------------------------

    def startService(self) -> None:
        limits = raiseOpenFilesLimit()
        if limits is not None and limits[0] != limits[1]:
            log.info("Raised the open-files limit from {old} to {new}.", old=limits[0],
                     new=limits[1])
        super().startService()  # each part hands in its start, in order
        self._turns.addCallback(self._started).addErrback(self.ready.errback)

    def _started(self, _) -> None:
        if not self.running:
            raise StartError("The server was stopped before it had started.")
        tuneGarbageCollector()
        url = self.webService.url
        self.announce(url)
        self.ready.callback(url)

    def stopService(self) -> Deferred:
        if not self.running:
            return succeed(None)
        # Each part hands in its stop, in reverse order, after the start's outcome.
        return super().stopService().addCallback(lambda _: None)
