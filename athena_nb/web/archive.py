"""Several worksheets as one .zip: ``/download/worksheets.zip?id=<id>&id=<id>...`` (the
owner's home page).  Tests: tests/unit/test_download_zip.py, tests/browser/test_download.py.

Each worksheet goes in as a Jupyter notebook named after its title (``Title.ipynb``,
``Title (2).ipynb`` for a second of the same name) with its files, if it has any, beside it in
``Title files/`` (plain files only: links are left out, so nothing outside the worksheet's
directory goes in).  What is pending in an open worksheet's hub is stored first, as for one
download.  The archive is written to a temporary file one worksheet at a time (loaded, then
written in the reactor's thread pool), then sent from it a piece at a time (``_Sender``): a
big one holds neither the reactor nor memory.
At most ``MAX_WORKSHEETS`` worksheets and ``MAX_BYTES`` bytes (before compression) go in one
archive; past that the answer is a 413 saying so, and nothing is sent.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from typing import IO

from twisted.internet.defer import succeed
from twisted.internet.interfaces import IPushProducer
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from zope.interface import implementer

from livefragments import securityHeaders

from ..formats import ipynb
from ..offreactor import offReactor
from ..store import NotFoundError
from ..systems import storedSystem
from ._html import answerable, writeText
from .auth import identityOf
from .download import attachment, fileName

log = Logger()

#: The archive's name, the one path this resource answers.
NAME = "worksheets.zip"
#: At most this many worksheets in one archive.
MAX_WORKSHEETS = 200
#: At most this many bytes (notebooks and files, before compression) in one archive.
MAX_BYTES = 512 << 20
_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


class TooBig(Exception):
    """The archive would hold more than ``MAX_BYTES``."""


class ArchiveResource(Resource):
    isLeaf = True

    def __init__(self, store, hubs, reactor, defaultSystem: str = "python"):
        super().__init__()
        self.store, self.hubs, self.reactor = store, hubs, reactor
        self.defaultSystem = defaultSystem

    def render_GET(self, request):
        identity = identityOf(request)
        if identity is None or not identity.isOwner:
            writeText(request, 403, "Only the notebook's owner may download several worksheets "
                                    "at once; a shared worksheet downloads from its own page.")
            return NOT_DONE_YET
        if [p.decode("utf-8", "replace") for p in request.postpath] != [NAME]:
            writeText(request, 404, f"There is nothing at this URL; the archive is /download/{NAME}.")
            return NOT_DONE_YET
        ids = list(dict.fromkeys(v.decode("utf-8", "replace") for v in request.args.get(b"id", [])))
        problem = _checkIds(ids)
        if problem is not None:
            writeText(request, 400, problem)
            return NOT_DONE_YET
        for worksheetId in ids:
            hub = self.hubs.get(worksheetId) if self.hubs is not None else None
            if hub is not None:
                hub.runner.flushAll()  # queued before the reads below: the files have it
        archive = Archive()
        d = succeed(None)
        for worksheetId in ids:  # one at a time: one worksheet in memory, not all of them
            d.addCallback(lambda _, i=worksheetId: self.store.load_worksheet(i))
            d.addCallback(self._add, archive)
        d.addCallbacks(lambda _: archive.finish(), archive.discard)
        d.addCallback(self._send, request)
        d.addErrback(self._failed, request)
        return NOT_DONE_YET

    def _add(self, snapshot, archive: Archive):
        hub = self.hubs.get(snapshot.worksheet.id) if self.hubs is not None else None
        system = hub.system if hub is not None else storedSystem(snapshot.metadata,
                                                                 self.defaultSystem)
        directory = self.hubs.worksheetDir(snapshot.worksheet.id) if self.hubs else None
        return offReactor(self.reactor, archive.add, snapshot, system, directory)

    def _send(self, archive, request) -> None:
        if not answerable(request):
            archive.close()
            return
        size = archive.seek(0, os.SEEK_END)
        archive.seek(0)
        request.setHeader(b"content-type", b"application/zip")
        request.setHeader(b"content-length", b"%d" % size)
        request.setHeader(b"content-disposition", attachment(NAME))
        securityHeaders(request)

        _Sender(self.reactor, archive, request).start()

    def _failed(self, failure, request) -> None:
        if failure.check(NotFoundError):
            writeText(request, 404, "One of the worksheets chosen is no longer there; it may "
                                    "have been deleted. Reload the page and choose again.")
        elif failure.check(TooBig):
            writeText(request, 413, str(failure.value))
        else:
            log.failure("Writing worksheets as a .zip failed", failure)
            writeText(request, 500, "The worksheets could not be written as a .zip; the "
                                    "server's log says why.")


@implementer(IPushProducer)
class _Sender:
    """Sends a file to a request a piece at a time from the reactor, stopping while the
    connection's buffer is full (a push producer: the transport pauses and resumes it)."""

    CHUNK = 1 << 16

    def __init__(self, reactor, file, request):
        self.reactor, self.file, self.request = reactor, file, request
        self.paused = self.stopped = False

    def start(self) -> None:
        self.request.registerProducer(self, True)
        self.request.notifyFinish().addErrback(lambda _: self.stopProducing())
        self.reactor.callLater(0, self._next)

    def _next(self) -> None:
        if self.paused or self.stopped:
            return
        data = self.file.read(self.CHUNK)
        if not data:
            self.stopped = True
            self.file.close()
            self.request.unregisterProducer()
            if answerable(self.request):
                self.request.finish()
            return
        self.request.write(data)
        self.reactor.callLater(0, self._next)

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        if self.paused and not self.stopped:
            self.paused = False
            self.reactor.callLater(0, self._next)

    def stopProducing(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.file.close()


def _checkIds(ids: list[str]) -> str | None:
    """Why ``ids`` cannot be archived, or None."""
    if not ids:
        return "Choose at least one worksheet to download (?id=... in the address)."
    if len(ids) > MAX_WORKSHEETS:
        return (f"At most {MAX_WORKSHEETS} worksheets download as one .zip; "
                f"{len(ids)} were chosen.")
    if not all(_ID.fullmatch(i) for i in ids):
        return "A worksheet's id is made of letters, digits, - and _ only."
    return None


class Archive:
    """A .zip being written to a temporary file (closing the file deletes it), a worksheet at
    a time (``add``, in the thread pool); ``TooBig`` past ``MAX_BYTES``."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(prefix="athena-zip-")
        self.zip = zipfile.ZipFile(self.file, "w", zipfile.ZIP_DEFLATED)
        self.left = MAX_BYTES
        self.names: set[str] = set()

    def add(self, snapshot, system: str, directory: str | None) -> None:
        """The worksheet as ``Title.ipynb``, its files in ``Title files/``."""
        stem = _unique(fileName(snapshot.worksheet.title, ""), self.names)
        notebook = ipynb.write(snapshot, system, directory)
        self.left = _spend(self.left, len(notebook))
        self.zip.writestr(f"{stem}.ipynb", notebook)
        for path, arcname in _files(directory, f"{stem} files"):
            self.left = _spend(self.left, os.path.getsize(path))
            self.zip.write(path, arcname)

    def finish(self) -> IO[bytes]:
        """The whole archive, to be read from its start."""
        self.zip.close()
        return self.file

    def discard(self, failure=None):
        """Drop the archive (an errback: passes ``failure`` on)."""
        try:
            self.zip.close()
        except (OSError, ValueError):
            pass  # half-written: it is thrown away anyway
        self.file.close()
        return failure


def _unique(stem: str, names: set[str]) -> str:
    """``stem``, or ``stem (2)``, ... : a name no earlier worksheet in the archive has."""
    name, n = stem, 1
    while name.lower() in names:
        n += 1
        name = f"{stem} ({n})"
    names.add(name.lower())
    return name


def _spend(left: int, size: int) -> int:
    if size > left:
        raise TooBig(f"The worksheets chosen come to more than {MAX_BYTES >> 20} MiB, more than "
                     "one .zip holds; choose fewer, or download them one at a time.")
    return left - size


def _files(directory: str | None, folder: str):
    """(path, name in the archive) of each plain file under ``directory``, links left out."""
    if directory is None or not os.path.isdir(directory):
        return
    for here, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(here, d)))
        for name in sorted(files):
            path = os.path.join(here, name)
            if os.path.isfile(path) and not os.path.islink(path):
                relative = os.path.relpath(path, directory).replace(os.sep, "/")
                yield path, f"{folder}/{relative}"
