"""What a kernel's processes take of the machine's memory, read from /proc (tests:
tests/unit/test_kernel_memory.py).

A kernel is a process tree: bubblewrap (sandboxed) or the keeper (not), the worker, and whatever
the worker started (Sage's pexpect interfaces: GAP, Maxima, ...). ``treeMemory(pid)`` adds up the tree's
RSS (resident memory, counting shared pages in full) and PSS (proportional: a page shared by
N processes counts 1/N), from ``/proc/<pid>/smaps_rollup``. PSS is the honest price of one more
kernel: two Sage kernels share the libraries they map, RSS counts them twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .proctree import PROC, childrenByParent


@dataclass(frozen=True)
class Memory:
    """Bytes of resident (``rss``) and proportional (``pss``) memory of some processes."""

    rss: int = 0
    pss: int = 0
    processes: int = 0

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.rss + other.rss, self.pss + other.pss,
                      self.processes + other.processes)

    def describe(self) -> str:
        """``'312 MiB (PSS; RSS 420 MiB)'``."""
        return "%s (PSS; RSS %s)" % (mebibytes(self.pss), mebibytes(self.rss))


def mebibytes(n: int) -> str:
    return "%.0f MiB" % (n / (1 << 20))


def processMemory(pid: int, proc: str = PROC) -> Memory:
    """One process's memory; nothing for one that ended or that we may not read."""
    rss = pss = 0
    try:
        with open(os.path.join(proc, str(pid), "smaps_rollup"), encoding="ascii") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return Memory()
    return Memory(rss, pss, 1)


def eachTreeMemory(pids: list[int], proc: str = PROC) -> list[Memory]:
    """The memory of each process of ``pids`` with its descendants (one kernel each), from one
    reading of the process tree."""
    tree = childrenByParent(proc)
    return [treeMemory([pid], proc, tree) for pid in pids]


def treeMemory(pids: list[int], proc: str = PROC, tree: dict | None = None) -> Memory:
    """The memory of the processes ``pids`` and all their descendants (``tree``: the children
    of each process, when read already)."""
    tree = childrenByParent(proc) if tree is None else tree
    total, seen, todo = Memory(), set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += processMemory(pid, proc)
        todo.extend(tree.get(pid, ()))
    return total
