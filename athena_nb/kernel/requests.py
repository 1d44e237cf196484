"""Kernel states, errors, results and queued requests (tests: tests/unit/test_kernel_kernel.py).

The vocabulary of ``kernel.py``: what a kernel can be, how a cell ends, and one execution
request with its output cap.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twisted.internet import defer
from twisted.logger import Logger

from .outputcap import OutputCap

if TYPE_CHECKING:
    from .kernel import Kernel

log = Logger()

#: The events a worker may send ("dropped" stands for an output too large to send).
EVENT_TYPES = frozenset({"stream", "display", "update", "clear", "result", "error", "file",
                         "notice", "input", "dropped", "interact"})
SYSTEMS = ("python", "sage")


class KernelState(enum.Enum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    DEAD = "dead"


_ALLOWED = {
    KernelState.DEAD: {KernelState.STARTING},
    KernelState.STARTING: {KernelState.IDLE, KernelState.DEAD},
    KernelState.IDLE: {KernelState.BUSY, KernelState.DEAD},
    KernelState.BUSY: {KernelState.IDLE, KernelState.DEAD},
}


class IllegalTransition(RuntimeError):
    """A state change that the kernel's state machine does not allow (a bug in the caller)."""


class KernelError(Exception):
    """Base of the errors that kernel Deferreds fail with; the message is for people."""


class KernelBusyError(KernelError):
    pass


class KernelNotRunningError(KernelError):
    pass


class KernelStartError(KernelError):
    pass


class KernelTimeoutError(KernelError):
    pass


@dataclass(frozen=True)
class ExecuteResult:
    """How a cell ended: status is "ok", "error", "interrupted", "cancelled", "died" or
    "timeout"; ``message`` says what happened in a sentence (empty for "ok")."""

    status: str
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class StateChange:
    kernel: Kernel
    old: KernelState
    new: KernelState
    reason: str


class ExecuteRequest:
    """One queued or running cell. ``deferred`` fires with an ExecuteResult (never errbacks).

    ``onOutput(event)`` is called for each output event. Output that background threads or
    subprocesses write after the cell finished still goes to the last cell, until the next
    one starts.
    """

    def __init__(self, kernel: Kernel, requestId: int, code: str,
                 onOutput: Callable[[dict[str, Any]], object] | None,
                 outputChars: int | None, system: str | None = None,
                 fields: Any = None, urgent: bool = False) -> None:
        self.kernel = kernel
        self.id = requestId
        self.code = code
        self.system = system  # the mode of a cell that names none (None: the kernel's)
        # more of the worker's request, or a function making them when it is sent
        self.fields = fields
        self.urgent = urgent  # goes ahead of the requests that are not
        self.waitingInput = False  # the cell's input() waits for an answer
        self.onOutput = onOutput
        self.status = "queued"  # then "running", then "done"
        #: The cell's execution count, given when it is sent to the worker (Kernel._pump).
        self.count: int | None = None
        self.result: ExecuteResult | None = None
        self.deferred: defer.Deferred[ExecuteResult] = defer.Deferred(self._cancelled)
        self.timedOut = False
        self.lastError: dict[str, Any] | None = None
        self._cap = OutputCap(outputChars)

    def frame(self) -> dict[str, Any]:
        """The request as the worker gets it, made when it is sent."""
        fields = self.fields() if callable(self.fields) else self.fields
        return dict({"op": "execute", "id": self.id, "code": self.code, "system": self.system,
                     "count": self.count}, **(fields or {}))

    def cancel(self) -> bool:
        """Cancel this request if it is still queued; return whether it was. A running
        request is not touched (use ``kernel.interrupt()``)."""
        if self.status != "queued":
            return False
        self.kernel._dequeue(self)
        self.finish(ExecuteResult("cancelled", "The cell was cancelled before it ran."))
        return True

    def _cancelled(self, deferred: defer.Deferred[ExecuteResult]) -> None:
        """``deferred.cancel()`` cancels the request if it is still queued."""
        self.cancel()

    def emit(self, event: dict[str, Any]) -> None:
        """Deliver one event of the worker, within the cell's output cap (outputcap.py): every
        kind counts, and what passes it is cut or dropped with a notice."""
        for shown in self._cap.admit(event):
            if shown["type"] == "error":
                self.lastError = shown
            self._deliver(shown)

    def notice(self, text: str) -> None:
        """Tell the cell something of the server's own (a timeout, a restart): never capped."""
        self._deliver({"type": "notice", "text": text})

    def _deliver(self, event: dict[str, Any]) -> None:
        if self.onOutput is None:
            return
        try:
            self.onOutput(event)
        except Exception:
            log.failure("An onOutput callback failed")

    def finish(self, result: ExecuteResult) -> None:
        if self.status == "done":
            return
        for shown in self._cap.finish():  # the end of what passed the output cap
            self._deliver(shown)
        self.status = "done"
        self.result = result
        if not self.deferred.called:  # the caller may have given up on it (a timeout's cancel)
            self.deferred.callback(result)
