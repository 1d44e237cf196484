"""What each REST API call does, one method per route (named by its ``operationId`` in
spec.py).  Tests: tests/unit/test_api.py, tests/integration/test_api_http.py.

Each method takes the route's parameters as checked values (and ``body``, the checked JSON
body or the file's bytes) and returns ``(status, JSON value)``, a ``FileAnswer``, or a Deferred
of one.  Whole worksheets change through ``WorksheetOps`` (shared with the home page) and cells
through the worksheet's hub, as the page changes them: a write is one text edit every open page
sees live, a run is queued on the hub's runner.
"""

from __future__ import annotations

import io
import json
import os
from typing import NamedTuple

from ... import ot
from ...folder import WorksheetFolder
from ...hubs import WorksheetUnavailable
from ...offreactor import offReactor
from ..download import FORMATS, attachment, exportWorksheet
from ..folder import filesChanged
from ..home import worksheetJSON
from ..worksheetops import WorksheetOps
from . import spec
from .runs import Conflict, Runs


class FileAnswer(NamedTuple):
    """An answer that is a file: ``body``, or the file at ``path`` (streamed from disk)."""

    body: bytes | None
    contentType: bytes
    disposition: bytes
    path: str | None = None


def cellJSON(cell, index: int) -> dict:
    return {"id": cell.id, "index": index, "kind": cell.kind.value, "text": cell.text,
            "version": cell.version, "state": cell.state.value, "count": cell.count,
            "ranBy": cell.ranBy}


def _cells(hub) -> list[dict]:
    return [cellJSON(c, n) for n, c in enumerate(c for c in hub.cells if not c.leaving)]


def _fileJSON(info) -> dict:
    return {"path": info.name, "size": info.size, "modified": info.modified}


class Calls:
    """``who`` names the person a request comes from (``ranBy`` of the cells it runs, and who
    made its changes in the worksheet's history)."""

    def __init__(self, reactor, store, hubs):
        self.reactor, self.store, self.hubs = reactor, store, hubs
        self.ops = WorksheetOps(reactor, store, hubs)
        self.runs = Runs(reactor)
        self._document = json.dumps(spec.document()).encode("utf-8")

    # -- the document ------------------------------------------------------------------------

    def openapi(self, who, body):
        return FileAnswer(self._document, b"application/json", b"inline")

    # -- worksheets --------------------------------------------------------------------------

    def listWorksheets(self, who, body, trashed=False):
        return self.store.list_worksheets(include_trashed=trashed).addCallback(
            lambda found: (200, {"worksheets": [worksheetJSON(w) for w in found]}))

    def createWorksheet(self, who, body):
        d = self.ops.create(body.get("title"), body.get("cells", [""]))
        return d.addCallback(lambda worksheet: (201, {"worksheet": worksheetJSON(worksheet)}))

    def importWorksheet(self, who, body, name):
        return self.ops.importFile(name, body).addCallback(
            lambda worksheet: (201, {"worksheet": worksheetJSON(worksheet)}))

    def getWorksheet(self, who, body, worksheetId):
        return self._hub(worksheetId).addCallback(
            lambda hub: self.store.get_worksheet(worksheetId).addCallback(
                lambda worksheet: (200, {"worksheet": worksheetJSON(worksheet),
                                         "cells": _cells(hub)})))

    def deleteWorksheet(self, who, body, worksheetId, forever=False):
        if forever:
            return self.ops.deleteForever(worksheetId).addCallback(
                lambda _: (200, {"deleted": worksheetId}))
        return self.ops.trash(worksheetId).addCallback(
            lambda worksheet: (200, {"worksheet": worksheetJSON(worksheet)}))

    def restoreWorksheet(self, who, body, worksheetId):
        return self.ops.restore(worksheetId).addCallback(
            lambda worksheet: (200, {"worksheet": worksheetJSON(worksheet)}))

    def exportWorksheet(self, who, body, worksheetId, format):
        system = getattr(getattr(self.hubs, "kernels", None), "system", None) or "python"
        return self._exists(worksheetId).addCallback(
            lambda _: exportWorksheet(self.hubs, worksheetId, format, system)).addCallback(
            lambda made: FileAnswer(made[0], FORMATS[format][1], attachment(made[2])))

    def _exists(self, worksheetId: str):
        """Fires once the worksheet is known to exist and not to be in the trash."""
        def found(worksheet):
            if worksheet.trashed:
                raise WorksheetUnavailable(f"The worksheet {worksheet.title!r} is in the "
                                           "trash; restore it first.")
            return worksheet

        return self.store.get_worksheet(worksheetId).addCallback(found)

    # -- cells -------------------------------------------------------------------------------

    def _hub(self, worksheetId: str):
        return self.hubs.open(worksheetId)

    def _withCell(self, worksheetId: str, cellId: int, then):
        def opened(hub):
            cell = hub.cell(cellId)
            return then(hub, cell)

        return self._hub(worksheetId).addCallback(opened)

    def listCells(self, who, body, worksheetId):
        return self._hub(worksheetId).addCallback(lambda hub: (200, {"cells": _cells(hub)}))

    def getCell(self, who, body, worksheetId, cellId):
        return self._withCell(worksheetId, cellId, lambda hub, cell: (
            200, {"cell": cellJSON(cell, hub.indexOf(cellId))}))

    def insertCell(self, who, body, worksheetId):
        def opened(hub):
            index = body.get("index")
            size = sum(not c.leaving for c in hub.cells)
            if index is not None and index > size:
                raise Conflict(f"A cell can be inserted at an index from 0 to {size} (the "
                               f"worksheet has {size} cells), not {index}.")
            return hub.insertCell(index, text=body.get("text", ""), who=who).addCallback(
                lambda cellId: (201, {"cell": cellJSON(hub.cell(cellId), hub.indexOf(cellId))}))

        return self._hub(worksheetId).addCallback(opened)

    def writeCell(self, who, body, worksheetId, cellId):
        def write(hub, cell):
            version = body.get("version")
            if version is not None and version != cell.version:
                raise Conflict(f"Cell {cellId} changed since version {version}: it is at "
                               f"version {cell.version} now. Read it again and write anew; "
                               "nothing was changed.")
            op = ot.diff(cell.text, body["text"])

            def answer(_):
                return 200, {"cell": cellJSON(cell, hub.indexOf(cellId))}

            if op.isNoop:
                return answer(None)
            return hub.edit(cellId, op, cell.version, "api", who=who).addCallback(answer)

        return self._withCell(worksheetId, cellId, write)

    def deleteCell(self, who, body, worksheetId, cellId):
        return self._withCell(worksheetId, cellId, lambda hub, cell: hub.deleteCell(
            cellId, who).addCallback(lambda _: (200, {"deleted": cellId})))

    def getOutputs(self, who, body, worksheetId, cellId):
        return self._withCell(worksheetId, cellId, lambda hub, cell: (200, {
            "cellId": cell.id, "state": cell.state.value, "count": cell.count,
            "outputs": list(cell.outputs)}))

    # -- runs --------------------------------------------------------------------------------

    def runCell(self, who, body, worksheetId, cellId, wait=0):
        def start(hub, cell):
            run = self.runs.start(hub, cellId, who)
            return self.runs.wait(run, wait).addCallback(self._runAnswer, 202)

        return self._withCell(worksheetId, cellId, start)

    def interrupt(self, who, body, worksheetId):
        hub = self.hubs.get(worksheetId)
        if hub is None:  # not open: nothing runs
            return self._exists(worksheetId).addCallback(lambda _: (200, {"kernel": "idle"}))
        return hub.interrupt().addCallback(lambda word: (200, {"kernel": str(word)}))

    @staticmethod
    def _runAnswer(run, pending: int = 200):
        return (200 if run.state is not None else pending), {"run": run.json()}

    def listRuns(self, who, body):
        return 200, {"runs": [run.json() for run in self.runs.recent()]}

    def getRun(self, who, body, runId, wait=0):
        return self.runs.wait(self.runs.get(runId), wait).addCallback(self._runAnswer)

    # -- files -------------------------------------------------------------------------------

    def _folder(self, worksheetId: str, then, *, threaded: bool = False):
        """``then(folder)`` on the worksheet's files (folder.py: the Files panel's rules and
        limits), once the worksheet is known; in the thread pool if ``threaded``."""
        def found(_):
            folder = WorksheetFolder(self.hubs.worksheetDir(worksheetId), self.hubs.quotas)
            if threaded:
                return offReactor(self.reactor, then, folder)
            return then(folder)

        return self._exists(worksheetId).addCallback(found)

    def _filesChanged(self, worksheetId: str, answer):
        hub = self.hubs.get(worksheetId)
        if hub is not None:
            filesChanged(hub)
        return answer

    def listFiles(self, who, body, worksheetId):
        def listed(folder):
            files, truncated = folder.list()
            return 200, {"files": [_fileJSON(f) for f in files], "truncated": truncated}

        return self._folder(worksheetId, listed)

    def getFile(self, who, body, worksheetId, path):
        return self._folder(worksheetId, lambda folder: FileAnswer(
            None, b"application/octet-stream", attachment(os.path.basename(path)),
            folder.path(path)))

    def putFile(self, who, body, worksheetId, path):
        def save(folder):
            return 201, {"file": _fileJSON(folder.save(path, io.BytesIO(body), len(body),
                                                       replace=True))}

        return self._folder(worksheetId, save, threaded=True).addCallback(
            lambda answer: self._filesChanged(worksheetId, answer))

    def renameFile(self, who, body, worksheetId, path):
        return self._folder(worksheetId, lambda folder: (200, {"file": _fileJSON(
            folder.rename(path, body["to"], replace=body.get("replace", False)))})).addCallback(
            lambda answer: self._filesChanged(worksheetId, answer))

    def deleteFile(self, who, body, worksheetId, path):
        def delete(folder):
            folder.delete(path)
            return 200, {"deleted": path}

        return self._folder(worksheetId, delete).addCallback(
            lambda answer: self._filesChanged(worksheetId, answer))
