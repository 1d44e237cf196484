"""Resource limits of one kernel (tests: tests/unit/test_kernel_limits.py).

Memory is limited with RLIMIT_DATA (heap and private writable mappings), not RLIMIT_AS: a Sage
process maps about 2 GB of address space (shared libraries, PARI's reserved stack, thread
arenas) while touching about 320 MB, so RLIMIT_AS of 2 GB already stops ``import sage.all``
from loading matplotlib's Agg library. See docs/kernels.md.
"""

from dataclasses import dataclass

GiB = 1 << 30


@dataclass(frozen=True)
class KernelLimits:
    """Limits applied to one kernel. ``None`` turns a limit off.

    - cpuSeconds: CPU time one cell may use (RLIMIT_CPU, re-armed by the worker per cell).
    - memoryBytes: RLIMIT_DATA of the worker (and of each process it starts); with a cgroup,
      also the memory of the kernel as a whole, its /tmp included.
    - wallSeconds: wall-clock time one cell may run before it is interrupted.
    - processes: processes and threads of the kernel as a whole (its cgroup's pids.max), or in
      a sandbox without cgroups each process's RLIMIT_NPROC (isolation.py decides which).
    - fileBytes: the largest file any process of the kernel may write (RLIMIT_FSIZE, set by the
      worker at start); a write past it fails with EFBIG, "File too large". The service sets it
      to the worksheet's ``Quotas.maxFilesBytes`` (--max-files-mb): no one file may hold more
      than all of a worksheet's files together.
    - outputChars: output one cell may produce, of every kind (outputcap.py); past it output
      is dropped with a notice.
    - idleSeconds: an idle kernel is shut down after this long (the next cell starts a new one).
    - interruptGraceSeconds: after an interrupt, how long code may take to stop: past it, a
      cell past its wall-clock limit is stopped by a restart, and one a person interrupted
      says that another interrupt restarts the kernel.
    - startSeconds: how long the worker may take to report ready.
    - replySeconds: how long a completion or introspection may take.
    - shutdownGraceSeconds: how long an idle worker may take to exit before it is killed.
    """

    cpuSeconds: float | None = None
    memoryBytes: int | None = 4 * GiB
    wallSeconds: float | None = None
    processes: int | None = 1024
    fileBytes: int | None = None
    outputChars: int | None = 1_000_000
    idleSeconds: float | None = None
    interruptGraceSeconds: float = 5.0
    startSeconds: float = 60.0
    replySeconds: float = 10.0
    shutdownGraceSeconds: float = 2.0

    def __post_init__(self) -> None:
        for name in ("cpuSeconds", "memoryBytes", "wallSeconds", "processes", "fileBytes",
                     "outputChars", "idleSeconds"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError("KernelLimits.%s must be positive or None, not %r." % (name, value))
        for name in ("interruptGraceSeconds", "startSeconds", "replySeconds",
                     "shutdownGraceSeconds"):
            if getattr(self, name) <= 0:
                raise ValueError("KernelLimits.%s must be positive." % name)

    def workerLimits(self) -> dict[str, float | None]:
        """The part of the limits that the worker and its launch apply (the output cap: the
        worker does not send a single output larger than the cell may show)."""
        return {"cpuSeconds": self.cpuSeconds, "memoryBytes": self.memoryBytes,
                "outputChars": self.outputChars, "processes": self.processes,
                "fileBytes": self.fileBytes}
