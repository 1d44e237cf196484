"""Tests: tests/unit/test_hub_web*.py, tests/integration/test_notebook_live.py. The worksheet URLs.

``WorksheetsResource`` is mounted by the service at ``/worksheets``:

- ``/worksheets/<id>/``: the live page (a ``WorksheetPage`` per GET), and below it the page's
  transport (``<id>/<clientId>/transport``);
- ``/worksheets/<id>/files/<cellId>/<path>``: files a cell created (see files.py);
- ``/worksheets/<id>/outputs/<cellId>/<n>.html``: an HTML output, for a sandboxed frame.

Every URL needs a session whose identity may open the worksheet (``auth.identify``).
"""

from __future__ import annotations

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from livefragments import LivePage, LivePageResource

from ..hubs import WorksheetUnavailable
from ._html import ICON
from .files import CellFilesResource, HTMLOutputResource, writeText
from .fragments import WorksheetFragment
from .login import forbid


class WorksheetPage(LivePage):
    """One browser tab on one worksheet."""

    stylesheets = ("athena_nb/notebook.css", "athena_nb/worksheet.css")
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


class WorksheetsResource(Resource):
    """The resource the service mounts at ``/worksheets``."""

    def __init__(self, *, reactor, hubs, auth, moduleRoot, settings):
        super().__init__()
        self.hubs = hubs
        self.auth = auth
        self.moduleRoot = moduleRoot
        self.live = LivePageResource(self._makePage, reactor=reactor, moduleRoot=moduleRoot,
                                     settings=settings, sessions=auth.sessions)

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

    def allowed(self, request, worksheetId: str):
        """The identity of the request if it may open the worksheet; else answer and None."""
        identity = self.auth.identify(request)
        if identity is None:
            forbid(request, self.auth, self.moduleRoot)
            return None
        if not identity.mayOpen(worksheetId):
            writeText(request, 403, "Your access does not include this worksheet.")
            return None
        return identity

    def _makePage(self, request):
        worksheetId, identity = request.athenaWorksheet
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
        if name == b"":
            return self
        if name == b"files":
            return CellFilesResource(self.root, self.worksheetId)
        if name == b"outputs":
            return HTMLOutputResource(self.root, self.worksheetId)
        # <clientId>/transport: the live page's own URLs (they check the page's session).
        return self.root.live.getChild(name, request)

    def render(self, request):
        if request.method not in (b"GET", b"HEAD"):
            return self.root.live.render(request)
        if not request.path.endswith(b"/"):
            request.redirect(request.path + b"/")
            return b""
        identity = self.root.allowed(request, self.worksheetId)
        if identity is None:
            return NOT_DONE_YET
        request.athenaWorksheet = (self.worksheetId, identity)
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
