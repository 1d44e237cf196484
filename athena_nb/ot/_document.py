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


#: The most unacknowledged ops of its own a site's op may follow (SyncClient.flush chains them).
MAX_FOLLOWS = 100
#: Past this many sites, those whose unacknowledged ops are older than the kept history are
#: forgotten (nothing can follow them any more: such an op is StaleVersion).
SITES_KEPT = 200


class TextDocument:
    """The one authority for a text: sequences every op and transforms late ones.

    Version N is the text after N ops. The last `historyLimit` ops are kept, so an op made
    against any of the last `historyLimit` versions can still be transformed.

    A site's op may follow ops of its own that it sent and has not seen acknowledged
    (``follows`` of them, SyncClient.flush): the document keeps each site's unacknowledged ops
    as it received them, and catches the new one up the way the site's own client catches up
    what it has in flight (docs/ot.md, "Sending before the answer").
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
        # site -> (the version its ops below were made against, the ops as received, in order)
        self._unconfirmed: dict[str, tuple[int, list[Operation]]] = {}

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
        self, op: Operation | list, baseVersion: int, siteId: str, follows: int = 0
    ) -> tuple[Operation, int]:
        """Sequence `op` (made by `siteId` against `baseVersion` and, after that, the last
        `follows` ops it sent): (op as applied, new version).

        Nothing changes when it raises: StaleVersion (the client must resync), UnknownVersion,
        MalformedOperation, OperationOutOfRange, or SyncError (the site's ops since
        `baseVersion` are not the `follows` it says).
        """
        if not isinstance(op, Operation):
            op = Operation.fromJSON(op)
        if type(siteId) is not str or not siteId:
            raise OperationError(f"The site id must be a non-empty string, not {siteId!r}.")
        if type(follows) is not int or not 0 <= follows <= MAX_FOLLOWS:
            raise SyncError(f"An op follows 0 to {MAX_FOLLOWS} unacknowledged ops of its "
                            f"site, not {follows!r}.")
        applied, unconfirmed = self._caughtUp(op, baseVersion, siteId, follows)
        self.text = apply(self.text, applied)
        self.version += 1
        self.history.append(HistoryEntry(self.version, siteId, applied))
        if len(self.history) > self.historyLimit:
            del self.history[: len(self.history) - self.historyLimit]
        self._unconfirmed[siteId] = (baseVersion, unconfirmed + [op])
        if len(self._unconfirmed) > SITES_KEPT:
            for site, (base, _) in list(self._unconfirmed.items()):
                if base < self.oldestVersion:
                    del self._unconfirmed[site]
        return applied, self.version

    def catchUp(self, op: Operation, baseVersion: int, siteId: str, follows: int = 0) -> Operation:
        """`op` (as `receive` takes it) transformed to apply to the text now, without
        sequencing it: for an edit that goes elsewhere (a cell joined into the one above)."""
        return self._caughtUp(op, baseVersion, siteId, follows)[0]

    def _caughtUp(
        self, op: Operation, baseVersion: int, siteId: str, follows: int
    ) -> tuple[Operation, list[Operation]]:
        """`op` as it applies to the text now, and the site's `follows` unacknowledged ops as
        they stood at `baseVersion` (what the site had in flight when it sent `op`).

        Every op sequenced since the site's unacknowledged ops were made is replayed as the
        site's SyncClient receives it: the site's own acknowledges the first of them, anyone
        else's is transformed past each of them in turn, and `op` joins them at `baseVersion`.
        """
        start = baseVersion
        pending: list[Operation] = []
        self.opsSince(baseVersion)  # a version not reached, or too old, is refused first
        if follows:
            start, pending = self._unconfirmed.get(siteId, (baseVersion, []))
            if start > baseVersion:
                raise SyncError(f"Site {siteId!r} sent an op against version {baseVersion} "
                                f"after ops of its own the document does not know.")
            pending = list(pending)
        atBase: list[Operation] | None = None
        version = start
        for entry in self.opsSince(start):
            if version == baseVersion:
                atBase = self._join(pending, follows, siteId, baseVersion)
                pending = pending + [op]
            version = entry.version
            if entry.siteId == siteId:
                if not pending or (version > baseVersion and len(pending) == 1):
                    raise SyncError(
                        f"Site {siteId!r} sent an op against version {baseVersion} that "
                        f"follows {follows} of its own, but its op became version "
                        f"{entry.version} before it; an op must name every unacknowledged "
                        f"op of its site that it follows.")
                del pending[0]
                continue
            remote = entry.op
            for i, mine in enumerate(pending):
                pending[i], remote = transform(mine, remote)
        if version == baseVersion:
            atBase = self._join(pending, follows, siteId, baseVersion)
            pending = pending + [op]
        if atBase is None or len(pending) != 1:  # the site's ops are not what it says
            raise SyncError(f"Site {siteId!r} sent an op against version {baseVersion} that "
                            f"follows {follows} of its own, not what the document holds; the "
                            f"site must catch up again.")
        return pending[0], atBase

    @staticmethod
    def _join(pending: list[Operation], follows: int, siteId: str,
              baseVersion: int) -> list[Operation]:
        if len(pending) != follows:
            raise SyncError(
                f"Site {siteId!r} sent an op against version {baseVersion} that follows "
                f"{follows} unacknowledged ops of its own, but {len(pending)} were "
                f"unacknowledged then; the site must catch up again.")
        return list(pending)
