"""One site's sync state machine.  Tests: tests/unit/test_ot.py, test_ot_convergence.py."""

from __future__ import annotations

import enum
from collections.abc import Callable

from ._diff import diff
from ._document import _checkVersion
from ._ops import Operation, SyncError, apply, compose, transform

# -- the client's state machine ------------------------------------------------------------


class SyncState(enum.Enum):
    SYNCHRONIZED = "synchronized"  # nothing of ours is unconfirmed
    AWAITING_CONFIRM = "awaitingConfirm"  # ops sent, not yet acknowledged
    AWAITING_WITH_BUFFER = "awaitingWithBuffer"  # and local edits made since, not yet sent


class SyncClient:
    """One site's view of a TextDocument: sends an op when none of its own is unanswered
    (later edits gather in a buffer until then), transforms remote ops.

    `send(op, baseVersion, follows)` must deliver the op to the server: made against
    `baseVersion` and, after it, the `follows` ops sent before it and not yet acknowledged
    (0 unless `flush` sent the buffer early). The server's answers must arrive in the order it
    sequenced them: `acknowledge(version)` for our own ops, `applyRemote(op, version)` for
    everyone else's.
    """

    def __init__(
        self, text: str, version: int, send: Callable[[Operation, int, int], object]
    ) -> None:
        self.text = text  # what this site shows, pending edits included
        self.confirmedText = text  # the server's text at `version`
        self.version = _checkVersion(version, "starting version")
        self.send = send
        self.state = SyncState.SYNCHRONIZED
        self.sent: list[Operation] = []  # sent, not yet acknowledged, in order
        self.buffer: Operation | None = None

    def applyLocal(self, op: Operation) -> None:
        """A local edit, already made to what the user sees (or about to be)."""
        self.text = apply(self.text, op)
        if self.state is SyncState.SYNCHRONIZED:
            self._send(op)
        elif self.state is SyncState.AWAITING_CONFIRM:
            self.buffer = op
            self.state = SyncState.AWAITING_WITH_BUFFER
        else:
            self.buffer = compose(self.buffer, op)

    def flush(self) -> None:
        """Send the buffer now, behind the ops still unanswered (a run is to follow it)."""
        if self.state is SyncState.AWAITING_WITH_BUFFER:
            buffer, self.buffer = self.buffer, None
            self._send(buffer)

    def applyRemote(self, op: Operation, version: int) -> Operation:
        """Another site's op, sequenced as `version`: returns it as applied to `self.text`."""
        self._expect(version, "remote op")
        self.confirmedText = apply(self.confirmedText, op)
        for i, mine in enumerate(self.sent):
            self.sent[i], op = transform(mine, op)
        if self.buffer is not None:
            self.buffer, op = transform(self.buffer, op)
        self.text = apply(self.text, op)
        self.version = version
        return op

    def acknowledge(self, version: int) -> None:
        """The server sequenced our first unacknowledged op as `version`."""
        if not self.sent:
            raise SyncError(f"An acknowledgement (version {version}) came with nothing sent.")
        self._expect(version, "acknowledgement")
        self.confirmedText = apply(self.confirmedText, self.sent.pop(0))
        self.version = version
        if self.sent:
            return
        if self.state is SyncState.AWAITING_WITH_BUFFER:
            buffer, self.buffer = self.buffer, None
            self._send(buffer)
        else:
            self.state = SyncState.SYNCHRONIZED

    def resync(self, text: str, version: int) -> Operation:
        """Start again from the server's `text` at `version` (after StaleVersion).

        Unconfirmed local edits are transformed past a diff of what changed meanwhile and
        sent again; none of their insertions or deletions is lost. Returns the op that turns the old
        `self.text` into the new one (for the editor and its cursors).
        """
        pending = Operation()
        for op in [*self.sent, self.buffer]:
            if op is not None:
                pending = compose(pending, op)
        remote = diff(self.confirmedText, text)
        pending, remote = transform(pending, remote)
        self.text = apply(text, pending)
        self.confirmedText = text
        self.version = _checkVersion(version, "version")
        self.sent, self.buffer = [], None
        self.state = SyncState.SYNCHRONIZED
        if not pending.isNoop:
            self._send(pending)
        return remote

    def _send(self, op: Operation) -> None:
        follows = len(self.sent)
        self.sent.append(op)
        self.state = SyncState.AWAITING_CONFIRM
        self.send(op, self.version, follows)

    def _expect(self, version: int, what: str) -> None:
        if version != self.version + 1:
            raise SyncError(
                f"A {what} for version {version!r} arrived at version {self.version}; "
                f"the server's messages must arrive in order, each exactly once."
            )
