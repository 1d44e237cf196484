"""A pool of pre-started kernels (tests: tests/unit/test_pool.py, tests/integration/test_kernel_pool.py).

Python starts in well under a second, Sage in one to two, and a person opening a worksheet should
not wait for either: the pool keeps ``size`` kernels started, each in a directory of its own in
``scratch``, hands one out on ``acquire(cwd)`` at once with a request to move into the worksheet's
directory on its way (the first cell queues behind it, no round trip waited for), and starts a
replacement a little later.

A sandboxed kernel cannot move: it sees only the directory it was started with. Its directory
becomes the worksheet's instead: the worksheet's files are moved into it and it takes the
worksheet directory's name (``Isolation.adopt``: renames, so ``scratch`` must be on the same
file system as the worksheets; where a rename fails, a new kernel is started in ``cwd``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Generator
from typing import Any

from twisted.internet import defer
from twisted.logger import Logger
from twisted.python.failure import Failure

from .kernel import Kernel
from .memory import Memory, treeMemory
from .requests import KernelError, KernelState

log = Logger()


class KernelPool:
    """``factory(reactor, cwd)`` makes an unstarted kernel (default: a Python kernel) of
    ``system`` (what the worksheets it serves run when they choose nothing else)."""

    def __init__(self, reactor: Any, size: int = 2,
                 factory: Callable[[Any, str], Kernel] | None = None,
                 refillDelay: float = 0.25, system: str = "python",
                 scratch: str | None = None) -> None:
        if size < 0:
            raise ValueError("A kernel pool's size must be zero or more, not %r." % (size,))
        self.reactor = reactor
        self.size = size
        self.system = system
        self.factory = factory or (lambda reactor, cwd: Kernel(reactor, system="python", cwd=cwd))
        if scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="athena-nb-pool-")
        else:  # ours alone (one server per data directory): what an earlier run left goes
            shutil.rmtree(scratch, ignore_errors=True)
            #: the directory above it, when we made it (shutdown removes it again if empty)
            self._madeParent = None if os.path.isdir(os.path.dirname(scratch)) else (
                os.path.dirname(scratch))
            os.makedirs(scratch, mode=0o700)
            self._scratch = scratch
        #: what protects the kernels it makes (Isolation.summary()), for the pages
        self.protection: dict[str, Any] | None = None
        self._kernels: list[Kernel] = []  # started or starting, not yet handed out
        self._closed = False
        #: A replacement's spawn blocks the reactor, and its interpreter's start takes a CPU:
        #: wait until the kernel just handed out has served its first requests.
        self.refillDelay = refillDelay
        self._refill: Any = None  # the refill's IDelayedCall
        #: called with the pool the first time all its kernels are ready (the server logs
        #: their memory then)
        self.onFull: Callable[[KernelPool], object] | None = None
        #: measures the memory of process trees by their pids (memory.treeMemory)
        self.measure: Callable[[list[int]], Memory] = treeMemory
        self._measured: tuple[tuple[int, ...], float, Memory] | None = None  # pids, when, what
        self._fill()

    def _dropDead(self) -> None:
        # A pooled kernel that died while waiting (killed, culled) is not worth keeping.
        for kernel in [k for k in self._kernels if k.state == KernelState.DEAD]:
            self._kernels.remove(kernel)
            if kernel.cwd and os.path.dirname(kernel.cwd) == self._scratch:
                shutil.rmtree(kernel.cwd, ignore_errors=True)

    def _fill(self) -> None:
        """Start one missing kernel; the next starts when this one is ready.

        One at a time: a spawn blocks the reactor until the child execs, which takes 0.3 ms on
        an idle CPU but 4-12 ms while another new kernel is busy starting Python (two cores),
        and two interpreters starting at once slow everything else down too."""
        self._dropDead()
        if self._closed or len(self._kernels) >= self.size:
            return
        if any(k.state == KernelState.STARTING for k in self._kernels):
            return  # its readiness calls us again
        kernel = self.factory(self.reactor, tempfile.mkdtemp(prefix="kernel-", dir=self._scratch))
        self._kernels.append(kernel)
        kernel.start().addCallbacks(self._started, self._startFailed,
                                    callbackArgs=(kernel,), errbackArgs=(kernel,))

    def _started(self, _: None, kernel: Kernel) -> None:
        if kernel in self._kernels:  # not handed out meanwhile (that schedules its own refill)
            self._fill()
        if self.onFull is not None and self.size and self.ready == self.size:
            onFull, self.onFull = self.onFull, None
            onFull(self)

    def _startFailed(self, failure: Failure, kernel: Kernel) -> None:
        log.error("A pooled kernel failed to start: {message}", message=failure.getErrorMessage())
        if kernel in self._kernels:
            self._kernels.remove(kernel)
        # No refill here: a kernel that cannot start would otherwise be retried forever.

    @property
    def ready(self) -> int:
        """How many pooled kernels are ready to hand out."""
        return sum(1 for k in self._kernels if k.state == KernelState.IDLE)

    #: How long a measurement of the same kernels is reused: reading /proc takes 5-20 ms of
    #: the reactor's time, and every worksheet page that opens shows the figure.
    memorySeconds = 10.0

    def memory(self) -> Memory:
        """What the kernels waiting in the pool take of the machine's memory (memory.py),
        measured at most ``memorySeconds`` ago."""
        running = [k for k in self._kernels if k.processId is not None]
        # Keyed by state too: a kernel that was starting when measured had not grown yet.
        key = tuple((k.processId, k.state) for k in running)
        now = self.reactor.seconds()
        cached = self._measured
        if cached is None or cached[0] != key or now - cached[1] >= self.memorySeconds:
            cached = self._measured = (key, now, self.measure([k.processId for k in running]))
        return cached[2]

    def summary(self) -> dict[str, Any]:
        """The pool's system, size, ready kernels and their memory in bytes, for the pages."""
        memory = self.memory()
        return {"system": self.system, "size": self.size, "ready": self.ready,
                "rss": memory.rss, "pss": memory.pss}

    @defer.inlineCallbacks
    def acquire(self, cwd: str) -> Generator[defer.Deferred[Any], Any, Kernel]:
        """A started kernel working in ``cwd``: a ready pooled one at once if there is one,
        else the one furthest along, else a new one."""
        if self._closed:
            raise KernelError("The kernel pool is shut down.")
        cwd = os.path.abspath(cwd)
        while True:
            kernel = self._take()
            if kernel is None:
                kernel = self.factory(self.reactor, cwd)
                yield kernel.start()
                return kernel
            try:
                yield kernel.start()
            except KernelError as e:
                log.warn("Dropping a pooled kernel that failed: {e}", e=str(e))
                kernel.shutdown()
                self._fill()
                continue
            if kernel.sandboxed:
                try:
                    kernel.isolation.adopt(kernel.cwd, cwd)
                except OSError as e:
                    log.warn("A pooled kernel's directory cannot become {cwd} ({e}); starting "
                             "a new kernel there.", cwd=cwd, e=e.strerror)
                    kernel.shutdown()
                    kernel = self.factory(self.reactor, cwd)
                    yield kernel.start()
                    return kernel
            # Not waited for: the first cell goes out right behind it (see Kernel.chdir).
            kernel.chdir(cwd).addErrback(self._chdirFailed, cwd)
            if self._refill is None or not self._refill.active():
                self._refill = self.reactor.callLater(self.refillDelay, self._fill)
            return kernel

    def _chdirFailed(self, failure: Failure, cwd: str) -> None:
        # The kernel refuses cells until it is in cwd, and each cell says why.
        log.warn("A pooled kernel could not move into {cwd}: {message}", cwd=cwd,
                 message=failure.getErrorMessage())

    def _take(self) -> Kernel | None:
        self._dropDead()
        for state in (KernelState.IDLE, KernelState.STARTING):
            for kernel in self._kernels:
                if kernel.state == state:
                    self._kernels.remove(kernel)
                    return kernel
        return None

    def shutdown(self) -> defer.Deferred[Any]:
        """Shut down the kernels not handed out; fires when they have exited."""
        self._closed = True
        if self._refill is not None and self._refill.active():
            self._refill.cancel()
        kernels, self._kernels = self._kernels, []
        d = defer.DeferredList([k.shutdown() for k in kernels], consumeErrors=True)
        d.addCallback(lambda _: self._removeScratch())
        return d

    def _removeScratch(self) -> None:
        shutil.rmtree(self._scratch, ignore_errors=True)
        if getattr(self, "_madeParent", None):
            try:
                os.rmdir(self._madeParent)
            except OSError:
                pass  # a worksheet's directory is there now
