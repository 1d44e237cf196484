"""A worksheet as a file: ``/worksheets/<id>/download/<format>``.  Tests: tests/unit/test_download.py.

The site's gate has already checked that the request may open the worksheet (anyone it is
shared with may take a copy, as they may read it).  What is pending in an open worksheet's hub
(outputs not yet stored) is stored first, so the file has what the page shows.  The file comes
as an attachment named after the title, written in the reactor's thread pool (an .sws packs its
files, an .html renders every text cell and reads its images); formats are in
``athena_nb/formats``, the standalone page in ``htmlfile.py``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from livefragments import securityHeaders

from ..formats import ipynb, percent, sws
from ..offreactor import offReactor
from ..store import NotFoundError
from ..systems import storedSystem
from . import htmlfile
from ._html import answerable, writeText

log = Logger()

#: format -> (writer(snapshot, system, directory), content type, file name suffix)
FORMATS = {"ipynb": (ipynb.write, b"application/x-ipynb+json", ".ipynb"),
           "py": (percent.write, b"text/x-python; charset=utf-8", ".py"),
           "sws": (sws.write, b"application/x-bzip2", ".sws"),
           # An attachment, and were it shown it could run nothing: its own policy forbids it.
           "html": (htmlfile.write, b"text/html; charset=utf-8", ".html")}
#: The downloads as the worksheet's toolbar and the home page offer them: (format, label,
#: what the file is, for "Download <title> as ...").
DOWNLOADS = (("ipynb", "Jupyter notebook (.ipynb), with outputs", "a Jupyter notebook"),
             ("py", "Python script (.py, # %% cells)", "a Python script"),
             ("sws", "Sage Notebook worksheet (.sws)", "a Sage Notebook worksheet"),
             ("html", "Web page (.html), to read anywhere", "a web page"))
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def fileName(title: str, suffix: str) -> str:
    """A file name made of a worksheet's title (no path separators, no control characters)."""
    name = _UNSAFE.sub("_", title).strip(" ._")[:100] or "worksheet"
    return name + suffix


def attachment(name: str) -> bytes:
    """A Content-Disposition naming ``name`` for every browser (RFC 6266: an ASCII fallback and
    the UTF-8 name)."""
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}".encode("ascii")


def exportWorksheet(hubs, worksheetId: str, name: str, defaultSystem: str = "python"):
    """Fires with the worksheet as a file in the format ``name`` (a key of ``FORMATS``):
    (body, content type, file name), written in the reactor's thread pool.  What is pending in
    its open hub is stored first."""
    writer, contentType, suffix = FORMATS[name]
    hub = hubs.get(worksheetId)
    if hub is not None:
        hub.runner.flushAll()  # queued before the read below: the file has it

    def loaded(snapshot):
        system = hub.system if hub is not None else storedSystem(snapshot.metadata,
                                                                 defaultSystem)
        written = offReactor(hubs.reactor, writer, snapshot, system,
                             hubs.worksheetDir(worksheetId))
        return written.addCallback(
            lambda body: (body, contentType, fileName(snapshot.worksheet.title, suffix)))

    return hubs.store.load_worksheet(worksheetId).addCallback(loaded)


class DownloadResource(Resource):
    isLeaf = True

    def __init__(self, hubs, worksheetId: str, defaultSystem: str = "python"):
        super().__init__()
        self.hubs, self.worksheetId, self.defaultSystem = hubs, worksheetId, defaultSystem

    def render_GET(self, request):
        name = request.postpath[0].decode("utf-8", "replace") if request.postpath else ""
        if name not in FORMATS or len(request.postpath) > 1:
            writeText(request, 404, f"There is no download format {name!r}; there is "
                                    f"{', '.join(FORMATS)}.")
            return NOT_DONE_YET
        d = exportWorksheet(self.hubs, self.worksheetId, name, self.defaultSystem)

        def loaded(exported):
            body, contentType, filename = exported
            if not answerable(request):
                return
            request.setHeader(b"content-type", contentType)
            request.setHeader(b"content-disposition", attachment(filename))
            securityHeaders(request)
            # Were a browser to show the file (an .html) rather than save it: in no origin.
            request.setHeader(b"content-security-policy", b"sandbox; default-src 'none'")
            request.write(body)
            request.finish()

        def failed(failure):
            if failure.check(NotFoundError):
                writeText(request, 404, "There is no such worksheet; it may have been deleted.")
                return
            log.failure("Writing worksheet {id} as {fileFormat} failed", failure,
                        id=self.worksheetId, fileFormat=name)
            writeText(request, 500,
                      "The worksheet could not be written as a file; the server's log says why.")

        d.addCallback(loaded).addErrback(failed)
        return NOT_DONE_YET
