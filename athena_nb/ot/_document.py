"""The server's authority for one text.  Tests: tests/unit/test_ot.py, test_ot_convergence.py."""

from __future__ import annotations

from typing import NamedTuple

from ._ops import (
    Operation,
    OperationError,
    StaleVersion,
    SyncError,
    UnknownVersion,
    _wellFormed,
    apply,
    transform,
)

# -- the server's authority ----------------------------------------------------------------


class HistoryEntry(NamedTuple):
    version: int  # the version this op produced
    siteId: str
    op: Operation


def _checkVersion(version: object, what: str) -> int:
    if type(version) is not int or version < 0:
        raise UnknownVersion(f"The {what} must be an integer >= 0, not {version!r}.")
    return version


class TextDocument:
    """The one authority for a text: sequences every op and transforms late ones.

    Version N is the text after N ops. The last `historyLimit` ops are kept, so an op made
    against any of the last `historyLimit` versions can still be transformed.
    """

    def __init__(self, text: str = "", version: int = 0, historyLimit: int = 1000) -> None:
        if type(text) is not str or not _wellFormed(text):
            raise OperationError("The text must be a string without lone surrogates.")
        if historyLimit < 1:
            raise ValueError(f"historyLimit must be at least 1, not {historyLimit!r}.")
        self.text = text
        self.version = _checkVersion(version, "starting version")
        self.historyLimit = historyLimit
        self.history: list[HistoryEntry] = []

    @property
    def oldestVersion(self) -> int:
        """The oldest base version that `receive` still accepts."""
        return self.version - len(self.history)

    def opsSince(self, version: int) -> list[HistoryEntry]:
        """The entries after `version`, for a client catching up."""
        _checkVersion(version, "version")
        if version > self.version:
            raise UnknownVersion(
                f"Version {version} is newer than the document's version {self.version}."
            )
        if version < self.oldestVersion:
            raise StaleVersion(
                f"Version {version} is older than the oldest kept version "
                f"{self.oldestVersion}; fetch the whole text instead."
            )
        return self.history[version - self.oldestVersion:]

    def receive(
        self, op: Operation | list, baseVersion: int, siteId: str
    ) -> tuple[Operation, int]:
        """Sequence `op` (made against `baseVersion` by `siteId`): (op as applied, new version).

        Nothing changes when it raises: StaleVersion (the client must resync), UnknownVersion,
        MalformedOperation, OperationOutOfRange, or SyncError (a site must wait for the
        acknowledgement of its previous op before sending the next).
        """
        if not isinstance(op, Operation):
            op = Operation.fromJSON(op)
        if type(siteId) is not str or not siteId:
            raise OperationError(f"The site id must be a non-empty string, not {siteId!r}.")
        concurrent = self.opsSince(baseVersion)
        for entry in concurrent:
            if entry.siteId == siteId:
                raise SyncError(
                    f"Site {siteId!r} sent an op against version {baseVersion}, but its own "
                    f"op became version {entry.version}; it must send one op at a time."
                )
            op = transform(op, entry.op)[0]
        self.text = apply(self.text, op)
        self.version += 1
        self.history.append(HistoryEntry(self.version, siteId, op))
        if len(self.history) > self.historyLimit:
            del self.history[: len(self.history) - self.historyLimit]
        return op, self.version
