"""What a Kernel says when its worker stops (tests: tests/unit/test_kernel_kernel.py).

A worker stops because the Kernel stopped it (a restart, a shutdown, an interrupt or a wall-clock
limit that did not stop the code, an idle cull, a start that failed) or because it died. These
functions word the result of the cell that was cut short, the reason the kernel is dead, and
why queued cells did not run, so that every cell and viewer is told the same sentences; a
process's own end (its exit status, a signal, the limit it reached) is an ``ExitStatus``.
"""

from __future__ import annotations

import os
import signal

from .limits import KernelLimits
from .outputlimits import MAX_FRAME
from .requests import ExecuteResult

#: Why the Kernel stopped its worker, as the start of a sentence, by the reason it stopped it.
STOP_REASONS = {
    "restart": "The kernel was restarted",
    "shutdown": "The kernel was shut down",
    "stopped": "The kernel was stopped by the notebook's owner",
    "interrupt": "The kernel was restarted after an interrupt",
    "timeout": "The kernel was restarted after a cell timed out",
    "idle": "The kernel was stopped for being idle",
    "failed": "The kernel failed to start",
    "oversize": "The kernel was stopped because it sent a message larger than %d MiB" % (
        MAX_FRAME >> 20),
}


class ExitStatus:
    """How a worker ended: ``code`` for a normal exit, ``signal`` when a signal killed it.

    ``wrapped``: the status is the keeper's or bubblewrap's, which exit with 128 + N when the
    worker was killed by signal N. ``outOfMemory``: the kernel's cgroup says the OOM killer struck, and
    ``memoryBytes`` was its limit; ``processLimit``: the kernel was killed for reaching it."""

    def __init__(self, waitStatus: int, wrapped: bool = False, outOfMemory: bool = False,
                 memoryBytes: int | None = None, processLimit: int | None = None) -> None:
        self.code = os.WEXITSTATUS(waitStatus) if os.WIFEXITED(waitStatus) else None
        self.signal = os.WTERMSIG(waitStatus) if os.WIFSIGNALED(waitStatus) else None
        if wrapped and self.code is not None and 128 < self.code < 128 + signal.NSIG:
            self.code, self.signal = None, self.code - 128
        self.outOfMemory = outOfMemory
        self.memoryBytes = memoryBytes
        self.processLimit = processLimit

    def describe(self) -> str:
        if self.processLimit:
            return ("was ended because the kernel reached its limit of %d processes and threads "
                    "(a fork bomb?)" % self.processLimit)
        if self.outOfMemory:
            limit = (" of %d MiB" % (self.memoryBytes >> 20)) if self.memoryBytes else ""
            return ("was ended because the kernel, all its processes together, reached its "
                    "memory limit%s" % limit)
        if self.signal is not None:
            try:
                name = signal.Signals(self.signal).name
            except ValueError:
                name = "signal %d" % self.signal
            hint = {
                "SIGKILL": " (killed from outside; the system may have run out of memory)",
                "SIGSEGV": " (a segmentation fault)",
                "SIGXCPU": " (it reached its CPU-time limit)",
                "SIGABRT": " (it aborted, often after failing to allocate memory)",
            }.get(name, "")
            return "was killed by %s%s" % (name, hint)
        return "exited with status %s" % self.code

    def __repr__(self) -> str:
        return "<ExitStatus code=%r signal=%r>" % (self.code, self.signal)


def cancelledMessage(reason: str) -> str:
    """Why a queued cell did not run, once the Kernel decided to stop its worker for ``reason``."""
    return "%s before this cell ran, so it did not run." % STOP_REASONS[reason]


def cutShortResult(reason: str | None, status: ExitStatus, limits: KernelLimits) -> ExecuteResult:
    """The result of the cell that was running when the worker stopped (``reason`` None: it
    died by itself, ``status`` says how)."""
    if reason == "interrupt":
        return ExecuteResult("interrupted", (
            "The code did not stop when interrupted, and a second interrupt restarted the "
            "kernel; its variables are gone."))
    if reason == "timeout":
        return ExecuteResult("timeout", (
            f"The cell ran past its wall-clock limit of {limits.wallSeconds:g} s and did not stop"
            " when interrupted, so the kernel was restarted; its variables are gone."))
    if reason == "restart":
        return ExecuteResult("interrupted", "The kernel was restarted while this cell ran.")
    if reason in ("shutdown", "stopped"):
        return ExecuteResult("interrupted", f"{STOP_REASONS[reason]} while this cell ran.")
    if reason == "oversize":
        return ExecuteResult("died", (
            "The kernel sent one message larger than the %d MiB a message may have, so it was "
            "stopped before the server read it; its variables are gone, and the next cell starts "
            "a new kernel." % (MAX_FRAME >> 20)))
    return ExecuteResult("died", (
        "The kernel died while this cell ran: its process %s. Its variables are gone; the "
        "next cell starts a new kernel." % status.describe()))


def deadReason(reason: str | None, status: ExitStatus, limits: KernelLimits) -> str:
    """The kernel's state reason once its worker stopped."""
    if reason == "idle":
        return f"The kernel was stopped after {limits.idleSeconds:g} s idle."
    if reason is not None and reason in STOP_REASONS:
        return STOP_REASONS[reason] + "."
    return "The kernel's process %s." % status.describe()
