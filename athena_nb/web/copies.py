"""Worksheets made whole: stored at once with their cells, outputs and files (an import, a
duplicate, an edited copy of a published snapshot).  Tests: tests/unit/test_home.py,
tests/unit/test_public_copy.py.

Every way goes through the same two steps: the cells are checked against the quotas (the
caller says what the refusal says), then the worksheet is stored and its files, staged aside
in the reactor's thread pool (``StagedFiles``), are moved in; if storing fails they are
dropped, so there is never a worksheet with half its files or files without a worksheet.
"""

from __future__ import annotations

from ..formats.files import StagedFiles
from ..quotas import Quotas
from ..store import MAX_TITLE
from .cellhelp import offReactor
from .public import KEY as PUBLISHED


class Copier:
    """Stores worksheets made whole for the home page's API and the published snapshots."""

    def __init__(self, reactor, store, hubs=None):
        self.reactor, self.store, self.hubs = reactor, store, hubs

    @property
    def quotas(self) -> Quotas:
        return getattr(self.hubs, "quotas", None) or Quotas()

    def copy(self, title: str, cells, metadata: dict, sourceId: str, what: str = "This worksheet"):
        """A new worksheet titled ``title`` with ``cells`` (``NewCell``s), ``metadata`` (less
        any published snapshot) and a copy of the files of the worksheet ``sourceId``; fires
        with the stored worksheet, or fails with ``QuotaExceeded`` and stores nothing."""
        self.quotas.checkImport(cells, what, "nothing was copied")
        metadata = {k: v for k, v in metadata.items() if k != PUBLISHED}
        title = title[:MAX_TITLE]
        if self.hubs is None:
            return self.storeWhole(title, cells, metadata, None)
        staged = offReactor(self.reactor, StagedFiles.copied, self.hubs.dataDir,
                            self.hubs.worksheetDir(sourceId))
        return staged.addCallback(lambda files: self.storeWhole(title, cells, metadata, files))

    def storeWhole(self, title: str, cells, metadata: dict, files: StagedFiles | None):
        """Store a worksheet made whole, then move its staged ``files`` in (or drop them if
        storing failed); fires with the stored worksheet."""
        d = self.store.import_worksheet(title, cells, metadata)

        def stored(worksheet):
            if files is not None:
                files.moveTo(self.hubs.worksheetDir(worksheet.id))
            return worksheet

        def failed(failure):
            if files is not None:
                files.discard()
            return failure

        return d.addCallbacks(stored, failed)
