"""Making, importing, copying and trashing whole worksheets: one place for the home page's JSON
calls (home.py), the REST API (api/) and the published snapshots' Edit a copy (publiccopy.py).
Tests: tests/unit/test_home.py, tests/unit/test_api.py, tests/unit/test_public_copy.py.

Renaming and trashing write to the store, then tell the hub registry (``hubs.closeHub``) so that
pages open on the worksheet see the change at once.  An import is read, checked against the
quotas and its files written aside in the reactor's thread pool (an .sws may take seconds to
unpack); a copy's files are copied aside there too. Either way the files are moved in once the
worksheet is stored, or dropped if storing failed: there is never a worksheet with half its
files, nor files without a worksheet.
"""

from __future__ import annotations

import os
import shutil

from ..formats import ipynb, sws
from ..formats.files import StagedFiles
from ..offreactor import offReactor
from ..quotas import Quotas
from ..store import MAX_TITLE, NewCell, NotFoundError
from .public import KEY as PUBLISHED

#: File formats an import reads, by the file name's suffix.
IMPORTERS = {".ipynb": ipynb.read, ".sws": sws.read, ".txt": sws.readText}


#: The title of a new worksheet that was not given one (the next are "Untitled 2", ...).
UNTITLED = "Untitled"


def untitled(titles) -> str:
    """The first of "Untitled", "Untitled 2", "Untitled 3", ... not among ``titles``, so that
    new worksheets can be told apart on the home page (as Jupyter names new notebooks)."""
    return unique(UNTITLED, titles)


def unique(title: str, titles) -> str:
    """``title``, or the first of "title 2", "title 3", ... not among ``titles``."""
    taken = set(titles)
    if title not in taken:
        return title
    n = 2
    while f"{title} {n}" in taken:
        n += 1
    return f"{title} {n}"


class WorksheetOps:
    """Whole-worksheet changes on ``store``, told to ``hubs`` (a ``HubRegistry``, or None in
    tests of the home page alone)."""

    def __init__(self, reactor, store, hubs=None):
        self.reactor, self.store, self.hubs = reactor, store, hubs

    @property
    def quotas(self) -> Quotas:
        return getattr(self.hubs, "quotas", None) or Quotas()

    def create(self, title: str | None = None, texts=("",)):
        """A new worksheet of code cells with ``texts``, titled ``title`` or, without one, the
        first of "Untitled", "Untitled 2", ... that no worksheet has; fires with the
        Worksheet."""
        texts = tuple(texts)
        self.quotas.checkImport([NewCell(t) for t in texts], "This worksheet",
                                "nothing was made")
        if title is not None:
            return self.store.create_worksheet(title, texts)
        return self.store.list_worksheets().addCallback(
            lambda sheets: self.store.create_worksheet(untitled(w.title for w in sheets), texts))

    def importFile(self, name: str, data: bytes):
        """A worksheet made whole from the file ``name`` (its suffix says the format); fires
        with the Worksheet, or fails with a ValueError (a FormatError, a QuotaExceeded) saying
        what is wrong with the file, and nothing is stored."""
        suffix = name[name.rfind("."):].lower() if "." in name else ""
        reader = IMPORTERS.get(suffix)
        if reader is None:
            raise ValueError(f"{name} cannot be imported: athena-nb reads "
                             f"{', '.join(IMPORTERS)} files.")

        def read():
            imported = reader(data, name)  # FormatError: a 400 with its sentence
            self.quotas.checkImport(imported.cells)
            files = (StagedFiles.written(self.hubs.dataDir, imported.files)
                     if imported.files else None)
            return imported, files

        def store(read):
            imported, files = read
            # A notebook imported twice is told apart from the first on the home page.
            return self.store.list_worksheets().addCallback(lambda sheets: self.storeWhole(
                unique(imported.title, (w.title for w in sheets))[:MAX_TITLE], imported.cells,
                imported.metadata, files))

        return offReactor(self.reactor, read).addCallback(store)

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

    def storeWhole(self, title, cells, metadata, files: StagedFiles | None):
        """Store a worksheet made whole, then move its staged ``files`` in (or drop them if
        storing failed); fires with the Worksheet."""
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

    def deleteForever(self, worksheetId: str):
        """Delete a worksheet in the trash for good: its cells, outputs, history, share links
        and its directory of files; fires with None. One not in the trash is refused (a
        ValueError saying so), as is one that does not exist (NotFoundError)."""

        def check(worksheets):
            found = next((w for w in worksheets if w.id == worksheetId), None)
            if found is None:
                raise NotFoundError(f"There is no worksheet {worksheetId!r}.")
            if not found.trashed:
                raise ValueError(f"{found.title!r} is not in the trash: move it to the trash "
                                 "first; nothing was deleted.")
            return self.store.delete_worksheet_forever(worksheetId).addCallback(removeFiles)

        def removeFiles(_):
            if self.hubs is None:
                return None
            where = os.path.join(self.hubs.dataDir, "worksheets", worksheetId)
            return offReactor(self.reactor, shutil.rmtree, where, True)

        return self.store.list_worksheets(include_trashed=True).addCallback(check)

    def restore(self, worksheetId: str):
        """Bring the worksheet back from the trash; fires with the Worksheet."""
        return self.store.restore_worksheet(worksheetId)

    def trash(self, worksheetId: str):
        """Move the worksheet to the trash and close its pages; fires with the Worksheet."""
        def trashed(worksheet):
            if self.hubs is not None:
                self.hubs.closeHub(worksheet.id, "The worksheet was moved to the trash.")
            return worksheet

        return self.store.trash_worksheet(worksheetId).addCallback(trashed)
