"""The parts of the notebook server, each a Twisted service: the store, the kernel pool, the
hubs and the web site's listening port.  Tests: tests/unit/test_service_lifecycle.py.

``NotebookService`` holds them as its children in that order: each one's work needs the parts
before it (the hubs use the store and the pool; the site uses the store and the hubs).
"""

from __future__ import annotations

import os

from twisted.application.service import Service
from twisted.internet.address import IPv6Address
from twisted.internet.defer import Deferred, ensureDeferred
from twisted.internet.endpoints import serverFromString
from twisted.logger import Logger

from livefragments import Settings

from ..offreactor import offReactor
from ..store import Store
from ..web.auth import COOKIE, Auth
from ..web.hosts import HostCheck
from ..web.site import buildSite
from ._host import DATABASE, StartError, makeDataDir, removeServerJSON, writeServerJSON
from ._lock import DataDirLock

log = Logger()


class Part(Service):
    """A child of ``NotebookService`` whose start and stop take their turn.

    Twisted's MultiService calls its children's ``startService`` in the order they were added
    and their ``stopService`` in reverse, but waits for neither: ``startService`` returns
    nothing, and ``MultiService.stopService`` stops every child at once.  A part's work takes
    time (the store opens in a thread; the hubs wait for their kernels to exit), so a part
    hands its ``startUp`` and ``shutDown`` to its parent, which runs each once everything
    handed in before it is done (``NotebookService.startInTurn``, ``stopInTurn``).
    """

    def startService(self) -> None:
        super().startService()
        self.parent.startInTurn(self._startUp)

    def _startUp(self) -> Deferred | None:
        # Not running when its turn comes: the server was stopped while the parts before it
        # started, and this part must not start at all.
        return self.startUp() if self.running else None

    def stopService(self) -> Deferred:
        super().stopService()
        return self.parent.stopInTurn(self)

    def startUp(self) -> Deferred | None:
        """Start this part; the parts before it have started."""
        raise NotImplementedError

    def shutDown(self) -> Deferred | None:
        """Stop what ``startUp`` started, as far as it got; the parts after it have stopped."""
        raise NotImplementedError


class StoreService(Part):
    """The store in the data directory.  Opening it first takes the data directory's lock (one
    server per directory: _lock.py), refuses a damaged file, untouched, and marks the cells
    that were running when the server last stopped as interrupted; closing it writes
    everything asked for before, then lets the lock go."""

    name = "store"

    def __init__(self, reactor, dataDir: str, openStore=Store.open):
        self.reactor = reactor
        self.dataDir = dataDir
        self.openStore = openStore
        self.store: Store | None = None
        self.lock = DataDirLock(dataDir)

    def startUp(self) -> Deferred:
        return ensureDeferred(self._open())

    async def _open(self) -> None:
        makeDataDir(self.dataDir)
        self.lock.acquire()
        self.store = await self.openStore(self.reactor, os.path.join(self.dataDir, DATABASE))
        interrupted = await self.store.mark_running_cells_interrupted()
        if interrupted:
            log.info("{n} cell(s) were running when the server stopped; they are marked "
                     "interrupted.", n=len(interrupted))

    def shutDown(self) -> Deferred | None:
        if self.store is None:
            self.lock.release()
            return None
        return self.store.close().addBoth(self._closed)

    def _closed(self, result):
        self.lock.release()
        return result


class KernelPoolService(Part):
    """The pool of started kernels (``makePool()`` makes it); stopping it ends the kernels
    not handed out."""

    name = "kernel pool"

    def __init__(self, makePool):
        self.makePool = makePool
        self.pool = None

    def startUp(self) -> None:
        self.pool = self.makePool()

    def shutDown(self) -> Deferred | None:
        return self.pool.shutdown() if self.pool is not None else None


class HubsService(Part):
    """The worksheets' hubs (``makeHubs(store, pool)`` makes their registry); stopping them
    closes every hub, its kernel stopped and its pending output written to the store."""

    name = "hubs"

    def __init__(self, makeHubs, storeService: StoreService, poolService: KernelPoolService):
        self.makeHubs = makeHubs
        self.storeService = storeService
        self.poolService = poolService
        self.hubs = None

    def startUp(self) -> None:
        self.hubs = self.makeHubs(self.storeService.store, self.poolService.pool)

    def shutDown(self) -> Deferred | None:
        return self.hubs.shutdown() if self.hubs is not None else None


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


class WebService(Part):
    """The web site on the options' endpoint.  Starting it expires old sessions, builds the
    site and listens; ``url`` is then the address to open, also written to server.json, which
    goes again when the port stops listening."""

    name = "web site"

    def __init__(self, reactor, options, storeService: StoreService, hubsService: HubsService):
        self.reactor = reactor
        self.options = options
        self.storeService = storeService
        self.hubsService = hubsService
        self.port = None
        self.url: str | None = None

    @property
    def dataDir(self) -> str:
        return self.options["data-dir"]

    def startService(self) -> None:
        # The secret's key derivation (scrypt, some 70 ms for a fixed token) runs in a thread
        # while the parts before this one start.
        self._secretId = offReactor(self.reactor, self.options.secretId)
        super().startService()

    def startUp(self) -> Deferred:
        return ensureDeferred(self._listen())

    async def _listen(self) -> None:
        options, store, hubs = self.options, self.storeService.store, self.hubsService.hubs
        auth = Auth(self.reactor, store, token=options["token"],
                    passwordHash=options["password-hash"], cookieName=COOKIE,
                    secretId=await self._secretId, maxLinkSessions=options.maxLinkSessions(),
                    ownerName=options["owner-name"])
        expired, stale = auth.expireSessions(), auth.endStaleOwnerSessions()  # one commit
        await expired
        ended = await stale
        if ended:
            log.info("Ended {n} owner session(s) made with an earlier token or password.", n=ended)
        # A revoked share link, or a session the owner ends, closes its live pages at once.
        auth.onSessionsEnded(hubs.closeSessions)
        settings = Settings(cookieName=COOKIE, websocket=options["websocket"],
                            preferWebSocket=options["websocket"])
        hosts = HostCheck.forServer(options.listeningInterface(), options["allow-host"])
        if hosts is None and "*" not in options["allow-host"]:
            log.warn("The server does not check the Host header of requests, as it listens on "
                     "{endpoint}; name the hosts it is reached by with --allow-host.",
                     endpoint=options["endpoint"])
        site = buildSite(reactor=self.reactor, store=store, auth=auth, hubs=hubs,
                         settings=settings, hosts=hosts)
        try:
            self.port = await serverFromString(self.reactor, options["endpoint"]).listen(site)
        except Exception as e:
            raise StartError(f"Cannot listen on {options['endpoint']}: {e}")
        host = self.port.getHost()
        self.url = serverURL(host, options["token"], secure=options.secure())
        writeServerJSON(self.dataDir, {"url": self.url, "port": host.port, "pid": os.getpid(),
                                       "dataDir": self.dataDir})

    def shutDown(self) -> Deferred | None:
        if self.url is not None:
            removeServerJSON(self.dataDir)
        return self.port.stopListening() if self.port is not None else None
