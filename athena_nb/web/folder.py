"""The web side of a worksheet's files (athena_nb/folder.py): ``/worksheets/<id>/folder/``.

Tests: tests/unit/test_folder_web.py, tests/browser/test_folder.py.

- ``GET  folder/``: the list, as JSON ``{files: [{name, size, modified}], truncated, used,
  limits: {maxFileBytes, maxFilesBytes}, canChange}``;
- ``GET  folder/<name>``: the file, as a download (an attachment under a ``sandbox`` CSP);
- ``POST folder/<name>[?replace=1]`` with the file as the body (``application/octet-stream``):
  upload; 201 with ``{file}``;
- ``POST folder/<name>`` with JSON ``{"action": "rename", "to": <name>[, "replace": true]}``
  or ``{"action": "delete"}``: 200 with ``{file}`` or ``{deleted}``.

The site's gate has let the request in only if its identity may open the worksheet; a viewer may
list and download, only the owner and collaborators may change files (403 otherwise).  A POST
must come from this server's pages (Origin) with one of those two content types, which a
cross-site form cannot send.  Every refusal is a 4xx JSON error with a sentence.  After a change,
every page open on the worksheet is told (``filesChanged``) and lists the files again.

An upload's body may be larger than other requests' (bodylimits.py decides, before the body is
read); the folder checks the size again as it saves.
"""

from __future__ import annotations

import json

from twisted.internet.defer import maybeDeferred
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from ..folder import FolderError, WorksheetFolder
from ..hubs import WorksheetUnavailable
from ..offreactor import offReactor
from . import _html
from .auth import identityOf

log = Logger()

#: Uploads larger than this are saved in a thread (smaller ones at once, on the reactor).
THREAD_ABOVE = 1 << 20
#: The largest JSON body (rename, delete) taken.
MAX_JSON = 16 * 1024


class FolderResource(Resource):
    """``/worksheets/<id>/folder/...`` of one worksheet."""

    isLeaf = True

    def __init__(self, hubs, worksheetId: str):
        super().__init__()
        self.hubs = hubs
        self.worksheetId = worksheetId

    def render_GET(self, request):
        name = _name(request)
        self._withFolder(request, lambda hub, folder: (
            self._list(request, folder) if not name else _download(request, folder, name)))
        return NOT_DONE_YET

    def render_POST(self, request):
        name = _name(request)
        ctype = (request.getHeader(b"content-type") or b"").split(b";")[0].strip()
        problem = _refusal(request, name, ctype)
        if problem is not None:
            _html.writeJSONError(request, *problem)
        elif ctype == b"application/json":
            self._withFolder(request, lambda hub, folder: self._change(request, hub, folder, name))
        else:
            self._withFolder(request, lambda hub, folder: self._upload(request, hub, folder, name))
        return NOT_DONE_YET

    # -- the steps -----------------------------------------------------------------------------

    def _withFolder(self, request, then) -> None:
        d = self.hubs.open(self.worksheetId)
        d.addCallback(lambda hub: then(hub, WorksheetFolder(hub.directory, hub.quotas)))
        d.addErrback(_failed, request)

    def _list(self, request, folder: WorksheetFolder) -> None:
        files, truncated = folder.list()
        _html.writeJSON(request, {
            "files": [f.toJSON() for f in files], "truncated": truncated, "used": folder.used(),
            "limits": folder.limits(), "canChange": identityOf(request).canEdit()})

    def _upload(self, request, hub, folder: WorksheetFolder, name: str):
        replace = (request.args.get(b"replace") or [b""])[0] in (b"1", b"true")
        length = request.getHeader(b"content-length")
        size = int(length) if length is not None and length.isdigit() else None
        folder.checkUpload(name, size, replace)  # at once, before a thread is taken
        save = lambda: folder.save(name, request.content, size, replace=replace)  # noqa: E731
        if size is None or size > THREAD_ABOVE:
            d = offReactor(self.hubs.reactor, save)
        else:
            d = maybeDeferred(save)
        d.addCallback(lambda info: (filesChanged(hub),
                                    _html.writeJSON(request, {"file": info.toJSON()}, 201)))
        d.addErrback(_failed, request)
        return d

    def _change(self, request, hub, folder: WorksheetFolder, name: str) -> None:
        try:
            body = json.loads(request.content.read(MAX_JSON + 1) or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        action = body.get("action") if isinstance(body, dict) else None
        if action == "rename":
            info = folder.rename(name, body.get("to"), replace=body.get("replace") is True)
            answer = {"file": info.toJSON()}
        elif action == "delete":
            folder.delete(name)
            answer = {"deleted": name}
        else:
            raise FolderError('Say what to do with the file as JSON: {"action": "rename", '
                              '"to": "<new name>"} or {"action": "delete"}.')
        filesChanged(hub)
        _html.writeJSON(request, answer)


def _refusal(request, name: str, ctype: bytes) -> tuple[int, str, str] | None:
    """Why a POST is refused before anything is read (status, type, sentence), or None."""
    identity = identityOf(request)
    if not identity.canEdit():
        return (403, "NotAllowed", f"You ({identity.name}) have read-only access to this "
                "worksheet, so you cannot change its files; nothing was changed.")
    if not _html.sameOrigin(request):
        return 403, "Forbidden", "Changes to files are only accepted from this server's own pages."
    if not name:
        return 404, "NotFound", "Name the file in the address: folder/<name>."
    if ctype not in (b"application/octet-stream", b"application/json"):
        # (a cross-site form can send neither without the browser asking first)
        return (415, "UnsupportedMediaType", "Send a file as it is (application/octet-stream), "
                "or a rename or delete as JSON (application/json).")
    return None


def _name(request) -> str:
    """The file's name: the rest of the path (twisted.web has decoded each part)."""
    return "/".join(p.decode("utf-8", "replace") for p in request.postpath).strip("/")


def _download(request, folder: WorksheetFolder, name: str) -> None:
    from .files import sendFile

    sendFile(request, folder.path(name))


def filesChanged(hub) -> None:
    """Every page open on the worksheet lists its files again; the worksheet's size is
    measured again (filesquota.py: a deletion may let its cells run again)."""
    hub.audience.tell(lambda viewer: viewer.filesChanged())
    hub.filesQuota.measure()


def _failed(failure, request) -> None:
    if failure.check(FolderError):
        error = failure.value
        _html.writeJSONError(request, error.status, error.type, str(error))
    elif failure.check(WorksheetUnavailable):
        _html.writeJSONError(request, 404, "NotFound", failure.getErrorMessage())
    elif failure.check(OSError):
        log.failure("A file operation failed", failure)
        _html.writeJSONError(request, 409, "FileError",
                             f"The server could not do that: {failure.value.strerror or 'error'}"
                             "; nothing was changed.")
    else:
        log.failure("Answering {uri} failed", failure, uri=request.uri)
        _html.writeJSONError(request, 500, "ServerError",
                             "Working with the files failed on the server; its log says why.")


__all__ = ["FolderResource"]
