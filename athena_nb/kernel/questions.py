"""What a Kernel asks its idle worker: completions, introspection, a change of directory
(tests: tests/unit/test_kernel_kernel.py, tests/unit/test_pool.py).

``Questions`` is a part of ``Kernel`` (kernel.py), which it needs for its state, its worker
process and its unanswered questions (``PendingReplies``). A question goes to an idle worker and
is answered in order with its requests; while a cell runs it fails at once.
"""

from __future__ import annotations

import os
from typing import Any

from twisted.internet import defer
from twisted.python.failure import Failure

from .isolation import identity
from .requests import KernelBusyError, KernelNotRunningError, KernelState
from .sandbox import INSIDE


class Questions:
    """The questions of a ``Kernel`` (it provides ``state``, ``_ending``, ``_ids``,
    ``_replies``, ``limits``, ``_process``, ``_armIdle``, ``cwd``, ``isolation``)."""

    def complete(self, code: str, cursor: int) -> defer.Deferred[Any]:
        """Completions for the name before ``cursor``: {"matches", "start", "end"}. Answered by
        the worker when idle; while a cell runs this fails at once with KernelBusyError."""
        return self._ask("complete", {"code": code, "cursor": int(cursor)}, "complete")

    def introspect(self, name: str, detail: int = 0) -> defer.Deferred[Any]:
        """``name?`` (detail 0: signature and docstring) or ``name??`` (detail 1: also the
        source) as {"found": bool, "text": str}. Busy and stopped kernels fail at once."""
        return self._ask("introspect", {"name": name, "detail": int(detail)}, "look up names")

    def signature(self, name: str) -> defer.Deferred[Any]:
        """The hint shown while ``name(`` is typed: {"found", "name", "signature", "doc"}.
        Busy and stopped kernels fail at once."""
        return self._ask("signature", {"name": name}, "look up signatures")

    def chdir(self, path: str) -> defer.Deferred[Any]:
        """Make ``path`` the worker's working directory (the one watched for files).

        The request goes out at once and cells may be queued right behind it: the worker
        answers requests in order, so they run in ``path`` without waiting for this answer (one
        round trip less for a pooled kernel's first cell). A worker that could not change there
        refuses to run cells, saying why, until a later chdir succeeds."""
        path = os.path.abspath(path)
        before = self.cwd, self._ownsCwd
        # A sandboxed worker sees only the directory it started with, which may have become
        # ``path`` since (KernelPool moves a pooled kernel's directory into place).
        if self.sandboxed and (self._bound is None or identity(path) != self._bound):
            return defer.fail(KernelNotRunningError(
                "A sandboxed kernel sees only its own directory, so it cannot move to %s." % path))
        d = self._ask("chdir", {"path": INSIDE if self.sandboxed else path}, "change directory")
        if d.called:  # refused at once (busy, not running): nothing was sent
            return d
        self.cwd, self._ownsCwd = path, False  # a restart starts there too

        def failed(failure: Failure) -> Failure:
            if self.cwd == path:
                self.cwd, self._ownsCwd = before
            return failure

        return d.addErrback(failed)

    sandboxed = property(lambda self: bool(self.isolation and self.isolation.sandbox),
                         doc="Do its workers run in a sandbox?")

    def _ask(self, op: str, fields: dict[str, Any], what: str) -> defer.Deferred[Any]:
        if self.state == KernelState.BUSY:
            return defer.fail(KernelBusyError(
                "The kernel is busy running a cell, so it cannot %s now; try again when the "
                "cell has finished." % what))
        if self.state != KernelState.IDLE or self._ending:
            return defer.fail(KernelNotRunningError(
                "The kernel is not running (%s), so it cannot %s." % (self.state.value, what)))
        requestId = next(self._ids)
        d = self._replies.expect(requestId, self.limits.replySeconds, what)
        self._process.send(dict(fields, op=op, id=requestId))
        self._armIdle()
        return d
