"""The server's kernel pools, one ``KernelPool`` per kind of kernel (tests:
tests/unit/test_pools.py, tests/integration/test_sage_pool.py).

There are two kinds of kernel, Python and Sage (``Kernel(system=...)``), and a worksheet's
system (systems.py) says which it needs: Sage and the systems Sage reaches (gp, gap, maxima,
...) run best in a Sage kernel, which has imported ``sage.all`` before the first cell; the
others run in the server's kernel (``--system``). So the server keeps a pool of each kind it
hands out (``--pool-size`` kernels of the server's system, ``--sage-pool-size`` Sage kernels
when the server's system is Python), and ``acquire(cwd, system)`` takes from the pool that fits
the worksheet. A worksheet that changes its system later keeps its kernel: a Python kernel
loads Sage the first time a Sage cell runs (worker.py, ``ensureSage``).
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from .cellmodes import SAGE_SYSTEMS
from .memory import Memory
from .pool import KernelPool

#: The worksheet systems that want a Sage kernel.
SAGE_FAMILY = frozenset(("sage", *SAGE_SYSTEMS))


class KernelPools:
    """``pools`` maps a kernel system ("python", "sage") to its pool; ``system`` is the
    server's (what worksheets that chose none run, and what every system not of the Sage
    family runs in)."""

    def __init__(self, pools: dict[str, KernelPool], system: str) -> None:
        if system not in pools:
            raise ValueError("The server's system %r has no kernel pool." % (system,))
        self.pools = pools
        self.system = system
        #: what protects the kernels (Isolation.summary()), for the pages
        self.protection: dict[str, Any] | None = None

    def kernelSystem(self, system: str | None) -> str:
        """The kind of kernel a worksheet of ``system`` gets (None: the server's)."""
        if system in SAGE_FAMILY and "sage" in self.pools:
            return "sage"
        return self.system

    def acquire(self, cwd: str, system: str | None = None) -> defer.Deferred[Any]:
        """A started kernel for a worksheet of ``system`` working in ``cwd`` (KernelPool)."""
        return self.pools[self.kernelSystem(system)].acquire(cwd)

    def memory(self) -> Memory:
        """What the kernels waiting in all the pools take of the memory now."""
        total = Memory()
        for pool in self.pools.values():
            total += pool.memory()
        return total

    def summary(self) -> list[dict[str, Any]]:
        """Each pool's ``KernelPool.summary()``, the server's system first."""
        return [self.pools[s].summary() for s in sorted(self.pools, key=lambda s: s != self.system)]

    def shutdown(self) -> defer.Deferred[Any]:
        """Shut down every pool (KernelPool.shutdown), the first made last: it may have made
        the directory above the others' scratch directories, and removes it if empty."""
        first, *others = self.pools.values()
        d = defer.DeferredList([p.shutdown() for p in others], consumeErrors=True)
        return d.addCallback(lambda _: first.shutdown())


def describePool(summary: dict[str, Any]) -> str:
    """A sentence on one pool (``KernelPool.summary()``), for the log and the page."""
    name = "Sage" if summary["system"] == "sage" else "Python"
    if not summary["size"]:
        return "%s kernels: none kept ready (each starts when its worksheet first runs a cell)." % (
            name,)
    return "%s kernels: %d of %d ready, taking %s." % (
        name, summary["ready"], summary["size"],
        Memory(summary["rss"], summary["pss"]).describe())
