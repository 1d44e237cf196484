"""The questions a Kernel has asked its worker and not yet had answered (tests: tests/unit/test_kernel_kernel.py).

Completions, introspections and directory changes go to an idle worker as requests with an id;
each waits here for the worker's "reply" frame with that id. A reply that comes too late is
dropped: the question failed with KernelTimeoutError when its time ran out, and all of them fail
with KernelNotRunningError when the worker exits first.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer
from twisted.internet.base import DelayedCall

from .requests import KernelError, KernelTimeoutError


class PendingReplies:
    """The Deferreds of unanswered questions, by request id; ``reactor`` needs ``callLater``."""

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self._waiting: dict[int, tuple[defer.Deferred[Any], DelayedCall]] = {}

    def expect(self, requestId: int, seconds: float, what: str) -> defer.Deferred[Any]:
        """A Deferred for the answer to request ``requestId``; ``what`` says what the question
        was for, in the error of a question not answered within ``seconds``."""
        d: defer.Deferred[Any] = defer.Deferred()
        timer = self._reactor.callLater(seconds, self._timedOut, requestId, seconds, what)
        self._waiting[requestId] = (d, timer)
        return d

    def answered(self, message: dict[str, Any]) -> None:
        """The worker's "reply" frame: fire its question's Deferred (unless it timed out)."""
        entry = self._waiting.pop(message.get("id", -1), None)
        if entry is None:
            return
        d, timer = entry
        if timer.active():
            timer.cancel()
        if message.get("ok"):
            d.callback(message.get("value"))
        else:
            d.errback(KernelError(message.get("message") or "The kernel refused the request."))

    def failAll(self, error: Exception) -> None:
        """Fail every unanswered question with ``error`` (the worker is gone)."""
        waiting, self._waiting = self._waiting, {}
        for d, timer in waiting.values():
            if timer.active():
                timer.cancel()
            d.errback(error)

    def _timedOut(self, requestId: int, seconds: float, what: str) -> None:
        entry = self._waiting.pop(requestId, None)
        if entry is not None:
            entry[0].errback(KernelTimeoutError(
                "The kernel did not answer within %g s, so it could not %s." % (seconds, what)))
