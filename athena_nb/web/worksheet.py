"""The worksheet URLs (``WorksheetsResource``) and the live page of one worksheet (``WorksheetPage``).

Tests: tests/unit/test_hub_web*.py, tests/integration/test_notebook_live.py.

``WorksheetsResource`` is mounted by the service at ``/worksheets``:

- ``/worksheets/<id>/``: the live page (a ``WorksheetPage`` per GET), and below it the page's
  transport (``<id>/<clientId>/transport``);
- ``/worksheets/<id>/files/<cellId>/<path>``: files a cell created (see files.py);
- ``/worksheets/<id>/outputs/<cellId>/<n>.html``: an HTML output, for a sandboxed frame;
- ``/worksheets/<id>/folder/[<name>]``: the files of the worksheet's directory (folder.py).

The site's gate lets a request through only if its identity may open the worksheet (or it is
the transport of a page the server is closing, see ``closingTransport``); the identity is the
request's ``IIdentity`` component (``identityOf``).
"""

from __future__ import annotations

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from livefragments import LivePage, LivePageResource

from ..hubs import WorksheetUnavailable
from ._html import ICON
from .auth import identityOf
from .download import DownloadResource
from .files import CellFilesResource, HTMLOutputResource, writeText
from .folder import FolderResource
from .fragments import WorksheetFragment


class WorksheetPage(LivePage):
    """One browser tab on one worksheet."""

    stylesheets = ("athena_nb/notebook.css", "athena_nb/worksheet.css", "athena_nb/outputs.css",
                   "athena_nb/highlight.css", "athena_nb/help.css", "athena_nb/interact.css",
                   "athena_nb/history.css")
    icon = ICON

    def __init__(self, hub, identity, base: str):
        super().__init__()
        self.hub = hub
        self.identity = identity
        self.title = f"{hub.title} · athena-nb"
        self.worksheet = self.addChild(WorksheetFragment(hub, identity, base))

    def start(self, *args, **kwargs) -> None:
        super().start(*args, **kwargs)
        # Only now can the page queue messages; it is rendered in this same reactor turn, so
        # the state it shows and the changes it is sent next line up exactly.
        self.worksheet.join()

    def connectionChanged(self, connected: bool) -> None:
        if self.worksheet.joined:
            self.hub.setAway(self.worksheet.viewerId, not connected)


class WorksheetsResource(Resource):
    """The resource the service mounts at ``/worksheets``."""

    def __init__(self, *, reactor, hubs, auth, moduleRoot, settings, importMap=None,
                 moduleGraph=None):
        super().__init__()
        self.hubs = hubs
        # The import map finds the editor's npm packages (CodeMirror) by name; CodeMirror makes
        # its styles at run time, in <style> elements the page's nonce admits. The page names
        # its whole module graph as modulepreload links (livefragments' ModuleGraph).
        self.live = LivePageResource(self._makePage, reactor=reactor, moduleRoot=moduleRoot,
                                     settings=settings, sessions=auth.sessions,
                                     importMap=importMap, styleNonce=True,
                                     moduleGraph=moduleGraph)

    def getChild(self, name: bytes, request):
        if name == b"":
            return self
        try:
            worksheetId = name.decode("ascii")
        except UnicodeDecodeError:
            return _Message(404, "There is no such worksheet.")
        return _WorksheetResource(self, worksheetId)

    def render_GET(self, request):
        request.redirect(b"/")
        return b""

    def closingTransport(self, request) -> bool:
        """Is ``request`` (below /worksheets) for the transport of a page the server is closing?

        Such a page may outlive its session (a revoked share link ends both at once), and its
        next poll must still get the reason in band, not the gate's 403 for a session that is
        gone.  Nothing but the close and what was queued before it can reach that poll."""
        path = request.postpath
        if len(path) != 3 or path[2] not in (b"transport", b"ws"):
            return False
        page = self.live.pages.get(path[1].decode("ascii", "replace"))
        return page is not None and page.end is not None

    def _makePage(self, request):
        # The page's URL is /worksheets/<id>/: its id is the segment before the last.
        worksheetId, identity = request.prepath[-2].decode("ascii"), identityOf(request)
        base = request.path.decode("utf-8", "replace")
        d = self.hubs.open(worksheetId)
        d.addCallback(lambda hub: WorksheetPage(hub, identity, base))
        d.addErrback(self._unavailable, request)
        return d

    def _unavailable(self, failure, request):
        failure.trap(WorksheetUnavailable)
        # Answer here with the reason; the resource then sees a finished request.
        writeText(request, 404, failure.getErrorMessage())
        return None


class _WorksheetResource(Resource):
    def __init__(self, root: WorksheetsResource, worksheetId: str):
        super().__init__()
        self.root = root
        self.worksheetId = worksheetId

    def getChild(self, name: bytes, request):
        if name == b"":  # the page itself, /worksheets/<id>/ (its factory relies on that shape)
            return self if not request.postpath else _Message(404, "There is nothing at this URL.")
        if name == b"files":
            return CellFilesResource(self.root, self.worksheetId)
        if name == b"outputs":
            return HTMLOutputResource(self.root, self.worksheetId)
        if name == b"folder":
            return FolderResource(self.root.hubs, self.worksheetId)
        if name == b"download":
            return DownloadResource(self.root.hubs, self.worksheetId,
                                    getattr(self.root.hubs.kernels, "system", None) or "python")
        # <clientId>/transport: the live page's own URLs (they check the page's session).
        return self.root.live.getChild(name, request)

    def render(self, request):
        return self.root.live.render(request)


class _Message(Resource):
    isLeaf = True

    def __init__(self, code: int, text: str):
        super().__init__()
        self.code, self.text = code, text

    def render(self, request):
        writeText(request, self.code, self.text)
        return NOT_DONE_YET


__all__ = ["WorksheetPage", "WorksheetsResource"]
