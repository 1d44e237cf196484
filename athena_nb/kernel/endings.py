"""What a Kernel says when its worker stops (tests: tests/unit/test_kernel_kernel.py).

A worker stops because the Kernel stopped it (a restart, a shutdown, an interrupt or a wall-clock
limit that did not stop the code, an idle cull, a start that failed) or because it died. These
functions word the result of the cell that was cut short, the reason the kernel is dead, and
why queued cells did not run, so that every cell and viewer is told the same sentences.
"""

from __future__ import annotations

from typing import Protocol

from .limits import KernelLimits
from .outputlimits import MAX_FRAME
from .requests import ExecuteResult

#: Why the Kernel stopped its worker, as the start of a sentence, by the reason it stopped it.
STOP_REASONS = {
    "restart": "The kernel was restarted",
    "shutdown": "The kernel was shut down",
    "interrupt": "The kernel was restarted after an interrupt",
    "timeout": "The kernel was restarted after a cell timed out",
    "idle": "The kernel was stopped for being idle",
    "failed": "The kernel failed to start",
    "oversize": "The kernel was stopped because it sent a message larger than %d MiB" % (
        MAX_FRAME >> 20),
}


class Exit(Protocol):
    """How a worker process ended (``process.ExitStatus``)."""

    def describe(self) -> str: ...


def cancelledMessage(reason: str) -> str:
    """Why a queued cell did not run, once the Kernel decided to stop its worker for ``reason``."""
    return "%s before this cell ran, so it did not run." % STOP_REASONS[reason]


def cutShortResult(reason: str | None, status: Exit, limits: KernelLimits) -> ExecuteResult:
    """The result of the cell that was running when the worker stopped (``reason`` None: it
    died by itself, ``status`` says how)."""
    if reason == "interrupt":
        return ExecuteResult("interrupted", (
            "The code did not stop within %g s of the interrupt, so the kernel was restarted;"
            " its variables are gone." % limits.interruptGraceSeconds))
    if reason == "timeout":
        return ExecuteResult("timeout", (
            f"The cell ran past its wall-clock limit of {limits.wallSeconds:g} s and did not stop"
            " when interrupted, so the kernel was restarted; its variables are gone."))
    if reason == "restart":
        return ExecuteResult("interrupted", "The kernel was restarted while this cell ran.")
    if reason == "shutdown":
        return ExecuteResult("interrupted", "The kernel was shut down while this cell ran.")
    if reason == "oversize":
        return ExecuteResult("died", (
            "The kernel sent one message larger than the %d MiB a message may have, so it was "
            "stopped before the server read it; its variables are gone, and the next cell starts "
            "a new kernel." % (MAX_FRAME >> 20)))
    return ExecuteResult("died", (
        "The kernel died while this cell ran: its process %s. Its variables are gone; the "
        "next cell starts a new kernel." % status.describe()))


def deadReason(reason: str | None, status: Exit, limits: KernelLimits) -> str:
    """The kernel's state reason once its worker stopped."""
    if reason == "idle":
        return f"The kernel was stopped after {limits.idleSeconds:g} s idle."
    if reason is not None and reason in STOP_REASONS:
        return STOP_REASONS[reason] + "."
    return "The kernel's process %s." % status.describe()
