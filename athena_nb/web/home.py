"""The home page and its small JSON API (owner only).  Tests: tests/unit/test_home.py, tests/browser/test_home.py.

The page is static markup plus ``athena_nb/home.js``, which renders the list from the data block
in the page and calls the API under ``/api/`` for every change; the API answers with the data it
changed, so the page never guesses.

Renaming and trashing write to the store, then tell the hub registry (``hubs.renamed``,
``hubs.closeHub``) so that pages open on the worksheet see the change at once; a worksheet in
the trash can be deleted forever, its files with it (``WorksheetOps.deleteForever``).

Publishing a read-only snapshot (``/api/worksheets/<id>/publish``, ``unpublish``, ``published``)
is done by ``public.Publisher``; the public page itself is ``public.PublicResource``.

The Sessions panel (``athena_nb/sessions.js``) lists every session (``/api/sessions``: the
owner's, one per browser, and the share links' visitors', with when and where from) and ends one
(``/api/sessions/<key>/end``): its pages close and its requests are refused at once.  A session
is named by its key, the hash the store keeps, never by its id, which would let anyone in.
"""

from __future__ import annotations

import json

from twisted.internet.defer import FirstError, gatherResults, maybeDeferred
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from ..kernel.memory import eachTreeMemory
from ..offreactor import offReactor
from ..quotas import QuotaExceeded
from ..store import SHARE_ROLES, NewCell, NotFoundError, StoreError, session_key
from . import _html
from .auth import Auth, identityOf
from .download import DOWNLOADS
from .login import worksheetPath
from .public import Publisher
from .worksheetops import WorksheetOps

log = Logger()

MAX_BODY = 64 * 1024
#: Calls whose body is a file, sent as it is (``application/octet-stream``), not JSON.
FILE_CALLS = {("import",)}


def worksheetJSON(worksheet) -> dict:
    return {"id": worksheet.id, "title": worksheet.title, "modified": worksheet.modified,
            "trashed": worksheet.trashed, "url": worksheetPath(worksheet.id)}


def linkJSON(link) -> dict:
    return {"token": link.token, "worksheetId": link.worksheet_id, "role": link.role.value,
            "created": link.created, "revoked": link.revoked, "path": Auth.sharePath(link.token)}


def _forScript(value) -> str:
    """JSON that can stand inside a <script type="application/json"> element."""
    return (json.dumps(value, ensure_ascii=True)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def editLinkNote(protection: dict | None) -> str:
    """What an edit link allows, in the Share panel: its holder runs code in the kernel, and
    what that code can reach depends on the kernel's protection (docs/security.md)."""
    if protection is None:
        return ("An edit link lets its holder change this worksheet and run code in its kernel. "
                "A view-only link shows the worksheet and runs nothing.")
    if not protection["sandboxed"]:
        return ("An edit link lets its holder change this worksheet and run code in its kernel, "
                "which is not sandboxed: that code runs as this server's own user and can read "
                "its token, its database and every worksheet, and stop the server. Share edit "
                "links only with people you would trust with your account, or install "
                "bubblewrap. A view-only link shows the worksheet and runs nothing.")
    network = ("It can use the network as this machine can, services on this machine included "
               "(start the server with --kernel-network off to prevent that)."
               if protection["network"] else "It has no network.")
    limits = ("Its memory and processes are limited for the kernel as a whole."
              if protection["limits"] != "rlimits" else
              "Its memory and processes are limited per process only.")
    return ("An edit link lets its holder change this worksheet and run code in its kernel. "
            "The kernel is sandboxed: that code can read the system and read and write this "
            "worksheet's files, and nothing of the server: not its token, its database, the "
            "other worksheets or other kernels, and it cannot stop the server. "
            f"{network} {limits} A view-only link shows the worksheet and runs nothing.")


class HomePage(Resource):
    """``/``: the worksheet list.  A share-link visitor is sent to their worksheet."""

    isLeaf = True

    def __init__(self, store, moduleRoot: str, protection: dict | None = None):
        super().__init__()
        self.store, self.moduleRoot = store, moduleRoot
        self.protection = protection  # the kernels' (Isolation.summary()), for the Share panel

    def render_GET(self, request):
        identity = identityOf(request)  # the gate lets no request without one through
        if not identity.isOwner:
            _html.redirect(request, worksheetPath(identity.worksheetId))
            return NOT_DONE_YET
        d = self.store.list_worksheets(include_trashed=True)
        d.addCallback(lambda worksheets: _html.writeHTML(
            request, self.markup(worksheets, session_key(identity.sessionId))))
        d.addErrback(_failed, request, "Listing the worksheets")
        return NOT_DONE_YET

    def markup(self, worksheets, session: str = "") -> bytes:
        data = {"worksheets": [worksheetJSON(w) for w in worksheets], "session": session,
                "editLinkNote": editLinkNote(self.protection), "downloads": DOWNLOADS}
        body = (
            '<header class="topbar"><span class="brand">athena-nb</span>'
            '<form method="post" action="/logout"><button type="submit" class="quiet">'
            "Log out</button></form></header>"
            '<main class="home">'
            '<div class="home-head"><h1>Worksheets</h1>'
            '<div class="toolbar">'
            # Disabled until home.js listens, so that no early click is lost.
            '<button type="button" id="new-worksheet" class="primary" disabled>New worksheet</button>'
            '<button type="button" id="import-worksheet" disabled title="Jupyter notebooks, Sage Notebook worksheets '
            '(.ipynb, .sws, .txt); or drop files on the list">Import…</button>'
            '<input type="file" id="import-file" multiple hidden>'
            '<button type="button" id="show-trash" aria-pressed="false" disabled>Show trash</button>'
            '<button type="button" id="download-chosen" disabled title="Tick worksheets in the list '
            'to download them as Jupyter notebooks, with their files, in one .zip">'
            "Download chosen as .zip</button>"
            "</div></div>"
            '<div class="home-find">'
            '<input type="search" id="search" aria-label="Search titles and cells" '
            'placeholder="Search titles and cells" autocomplete="off">'
            '<label>Sort <select id="sort"><option value="modified">Newest first</option>'
            '<option value="name">By name</option></select></label></div>'
            '<p id="home-status" class="status" role="status" aria-live="polite"></p>'
            '<ul id="worksheet-list" class="worksheet-list" aria-label="Worksheets"></ul>'
            '<p id="empty-list" class="empty" hidden>No worksheets yet. '
            "Make one with “New worksheet”.</p>"
            '<section id="trash" class="trash" aria-labelledby="trash-heading" hidden>'
            '<h2 id="trash-heading">Trash</h2>'
            '<ul id="trash-list" class="worksheet-list" aria-label="Trash"></ul>'
            '<p id="empty-trash" class="empty" hidden>The trash is empty.</p>'
            "</section>"
            '<section id="kernels" class="sessions" aria-labelledby="kernels-heading">'
            '<h2 id="kernels-heading">Running kernels</h2>'
            '<p class="empty">The worksheets whose kernel runs now, with the memory it takes. '
            "Stopping one loses its variables; its worksheet stays, and its next run starts a "
            "new kernel.</p>"
            '<ul id="kernel-list" class="worksheet-list" aria-label="Running kernels"></ul>'
            '<p id="no-kernels" class="empty" hidden>No kernel is running.</p>'
            '<button type="button" id="refresh-kernels">Refresh</button>'
            "</section>"
            '<section id="sessions" class="sessions" aria-labelledby="sessions-heading">'
            '<h2 id="sessions-heading">Sessions</h2>'
            '<p class="empty">Everyone logged in to this notebook: you, once for each browser, '
            "and the people who came in through share links. Ending a session logs it out at "
            "once.</p>"
            '<ul id="session-list" class="worksheet-list" aria-label="Sessions"></ul>'
            '<h3 id="tokens-heading">API tokens</h3>'
            '<p class="empty">A token lets a script use this notebook\'s API as you (or read '
            "only); it is listed above as a session once made, where it can be ended.</p>"
            '<form id="token-form" class="token-form" aria-label="New API token">'
            '<label>Script <input id="token-name" required maxlength="60" '
            'placeholder="What the token is for"></label> '
            '<label>Access <select id="token-scope"><option value="full">Full</option>'
            '<option value="read">Read-only</option></select></label> '
            '<button type="submit">New API token</button></form>'
            '<p id="token-made" class="token-made" hidden>Copy this token now; it is not shown '
            'again. Scripts send it as <code>Authorization: Bearer</code> (docs/api.md): '
            '<code id="token-value"></code></p>'
            "</section></main>"
            f'<script type="application/json" id="home-data">{_forScript(data)}</script>')
        return _html.page("athena-nb", body, moduleRoot=self.moduleRoot,
                          scripts=("athena_nb/home.js", "athena_nb/kernels.js",
                                   "athena_nb/sessions.js"),
                          bodyClass="home-page")


class ApiResource(Resource):
    """``/api/...``: JSON calls of the home page; every one needs the owner's session."""

    isLeaf = True

    def __init__(self, auth: Auth, store, hubs=None, *, reactor):
        super().__init__()
        self.auth, self.store, self.hubs, self.reactor = auth, store, hubs, reactor
        self.publisher = Publisher(reactor, store, hubs)
        self.ops = WorksheetOps(reactor, store, hubs)
        self._routes = {
            (b"GET", ("worksheets",)): self.listWorksheets,
            (b"GET", ("search",)): self.search,
            (b"POST", ("worksheets", "*", "duplicate")): self.duplicateWorksheet,
            (b"POST", ("worksheets",)): self.createWorksheet,
            (b"POST", ("import",)): self.importWorksheet,
            (b"POST", ("worksheets", "*", "rename")): self.renameWorksheet,
            (b"POST", ("worksheets", "*", "trash")): self.trashWorksheet,
            (b"POST", ("worksheets", "*", "restore")): self.restoreWorksheet,
            (b"POST", ("worksheets", "*", "delete")): self.deleteWorksheet,
            (b"GET", ("worksheets", "*", "links")): self.listLinks,
            (b"POST", ("worksheets", "*", "links")): self.createLink,
            (b"POST", ("links", "*", "revoke")): self.revokeLink,
            (b"GET", ("worksheets", "*", "published")): self.publishedStatus,
            (b"POST", ("worksheets", "*", "publish")): self.publish,
            (b"POST", ("worksheets", "*", "unpublish")): self.unpublish,
            (b"GET", ("kernels",)): self.listKernels,
            (b"POST", ("kernels", "*", "stop")): self.stopKernel,
            (b"GET", ("sessions",)): self.listSessions,
            (b"POST", ("sessions", "*", "end")): self.endSession,
            (b"POST", ("tokens",)): self.createToken,
        }

    def render(self, request):
        if not identityOf(request).isOwner:
            _html.writeJSONError(request, 403, "Forbidden",
                                 "Only the notebook's owner may use this API.")
            return NOT_DONE_YET
        parts = [p.decode("utf-8", "replace") for p in request.postpath]
        while parts and parts[-1] == "":
            parts.pop()
        isFile = tuple(parts) in FILE_CALLS
        if request.method == b"POST":
            problem = self._checkPost(request, isFile)
            if problem is not None:
                _html.writeJSONError(request, *problem)
                return NOT_DONE_YET
        route = self._route(request.method, parts)
        if route is None:
            _html.writeJSONError(request, 404, "NotFound", "There is no such API call.")
            return NOT_DONE_YET
        method, args = route
        try:
            body = (self._file(request) if isFile else
                    self._body(request) if request.method == b"POST" else
                    {k.decode("utf-8", "replace"): v[0].decode("utf-8", "replace")
                     for k, v in request.args.items() if v})  # a GET's query
        except ValueError as e:
            _html.writeJSONError(request, 400, "BadRequest", str(e))
            return NOT_DONE_YET
        if method == self.createToken:
            args = [request]  # the token records where it was made, as a login does
        d = maybeDeferred(method, *args, body)
        d.addCallback(lambda result: _html.writeJSON(request, result[1], result[0]))
        d.addErrback(_failed, request, "The API call")
        return NOT_DONE_YET

    @staticmethod
    def _checkPost(request, isFile: bool = False):
        if not _html.sameOrigin(request):
            return 403, "Forbidden", "API calls are only accepted from this server's own pages."
        ctype = (request.getHeader(b"content-type") or b"").split(b";")[0].strip()
        # Cross-site forms cannot send these types without the browser asking first.
        if isFile and ctype != b"application/octet-stream":
            return 415, "UnsupportedMediaType", ("A file is sent as it is, as "
                                                 "application/octet-stream.")
        if not isFile and ctype != b"application/json":
            return 415, "UnsupportedMediaType", "API calls must send a JSON body."
        return None

    @staticmethod
    def _file(request) -> dict:
        """A file call's body and the file's name (the ``name`` query argument)."""
        name = (request.args.get(b"name") or [b""])[0].decode("utf-8", "replace")
        if not name.strip():
            raise ValueError("Say the file's name in the address (?name=...): its suffix says "
                             "what kind of file it is.")
        return {"name": name, "data": request.content.read()}

    @staticmethod
    def _body(request) -> dict:
        raw = request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise ValueError(f"The request body is larger than {MAX_BODY} bytes.")
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError("The request body is not valid JSON.")
        if not isinstance(body, dict):
            raise ValueError("The request body must be a JSON object.")
        return body

    def _route(self, method: bytes, parts: list[str]):
        """The handler for ``method`` on ``parts`` (every odd part is an id), with the ids."""
        shape = tuple("*" if i % 2 else p for i, p in enumerate(parts))
        handler = self._routes.get((method, shape))
        if handler is None:
            return None
        return handler, [p for i, p in enumerate(parts) if i % 2]

    # -- calls: each returns (HTTP code, JSON value) or a Deferred of that ------------------

    def listWorksheets(self, body):
        return self.store.list_worksheets(include_trashed=True).addCallback(
            lambda worksheets: (200, {"worksheets": [worksheetJSON(w) for w in worksheets]}))

    def search(self, body):
        """``?q=words``: the worksheets whose title or one cell holds them, with a snippet."""
        return self.store.search_worksheets(body.get("q", ""), include_trashed=True).addCallback(
            lambda found: (200, {"results": [{"worksheet": worksheetJSON(w), "snippet": s}
                                             for w, s in found]}))

    def duplicateWorksheet(self, worksheetId, body):
        """A copy of the worksheet (its cells, outputs and files), named "Copy of ...", within
        the quotas as an import is (``WorksheetOps.copy``: its files are copied in the thread
        pool)."""
        hub = self.hubs.get(worksheetId) if self.hubs is not None else None
        if hub is not None:
            hub.runner.flushAll()  # what is not stored yet is copied too

        def copy(snapshot):
            cells = [NewCell(c.text, c.kind, tuple((o.kind, o.payload) for o in c.outputs),
                             c.execution_count, c.metadata) for c in snapshot.cells]
            return self.ops.copy(f"Copy of {snapshot.worksheet.title}", cells,
                                 snapshot.metadata, snapshot.worksheet.id)

        return self.store.load_worksheet(worksheetId).addCallback(copy).addCallback(_made)

    def createWorksheet(self, body):
        return self.ops.create(body.get("title")).addCallback(_made)

    def importWorksheet(self, body):
        """A worksheet made whole from a file (a Jupyter notebook, ...), or a 400 saying what
        is wrong with the file; nothing is stored then (worksheetops.py)."""
        return self.ops.importFile(body["name"], body["data"]).addCallback(_made)

    def renameWorksheet(self, worksheetId, body):
        def renamed(worksheet):
            if self.hubs is not None:
                self.hubs.renamed(worksheet.id, worksheet.title)
            return 200, {"worksheet": worksheetJSON(worksheet)}

        return self.store.rename_worksheet(worksheetId, body.get("title")).addCallback(renamed)

    def trashWorksheet(self, worksheetId, body):
        return self.ops.trash(worksheetId).addCallback(
            lambda worksheet: (200, {"worksheet": worksheetJSON(worksheet)}))

    def restoreWorksheet(self, worksheetId, body):
        return self.ops.restore(worksheetId).addCallback(
            lambda worksheet: (200, {"worksheet": worksheetJSON(worksheet)}))

    def deleteWorksheet(self, worksheetId, body):
        return self.ops.deleteForever(worksheetId).addCallback(
            lambda _: (200, {"deleted": worksheetId}))

    def listLinks(self, worksheetId, body):
        return self.auth.listShareLinks(worksheetId).addCallback(
            lambda links: (200, {"links": [linkJSON(link) for link in links]}))

    def createLink(self, worksheetId, body):
        role = body.get("role")
        if role not in SHARE_ROLES:
            raise ValueError(f"A share link's role must be one of {', '.join(SHARE_ROLES)}.")
        return self.auth.createShareLink(worksheetId, role).addCallback(
            lambda link: (201, {"link": linkJSON(link)}))

    def revokeLink(self, token, body):
        return self.auth.revokeShareLink(token).addCallback(
            lambda link: (200, {"link": linkJSON(link)}))

    def publishedStatus(self, worksheetId, body):
        return self.publisher.status(worksheetId).addCallback(
            lambda published: (200, {"published": published}))

    def publish(self, worksheetId, body):
        return self.publisher.publish(worksheetId).addCallback(
            lambda published: (200, {"published": published}))

    def unpublish(self, worksheetId, body):
        return self.publisher.unpublish(worksheetId).addCallback(
            lambda _: (200, {"published": None}))


    def listKernels(self, body):
        """The running kernels: each one's worksheet, system, state, the people on it and the
        memory its processes take (read from /proc in a thread)."""
        hubs = self.hubs.running() if self.hubs is not None else []
        pids = [hub.kernelProcess() for hub in hubs]

        def listed(memories):
            return 200, {"kernels": [{
                "worksheet": hub.worksheetId, "title": hub.title, "system": hub.system,
                **{k: v for k, v in hub.kernelInfo().items() if k in ("state", "reason")},
                "people": _people(hub.audience.presence()),
                "memory": memory.pss if memory else None,
            } for hub, memory in zip(hubs, memories, strict=True)]}

        live = [pid for pid in pids if pid]  # a kernel between workers has no process

        def byPid(memories):
            return listed([dict(zip(live, memories, strict=True)).get(pid) for pid in pids])

        return offReactor(self.reactor, eachTreeMemory, live).addCallback(byPid)

    def stopKernel(self, worksheetId, body):
        hub = self.hubs.get(worksheetId) if self.hubs is not None else None
        if hub is None:
            raise NotFoundError("That worksheet's kernel is not running; it may have stopped "
                                "already.")
        return hub.stopKernel().addCallback(lambda _: (200, {"stopped": worksheetId}))

    def listSessions(self, body):
        def named(result):
            sessions, worksheets = result
            titles = {w.id: w.title for w in worksheets}
            for entry in sessions:
                entry["worksheetTitle"] = titles.get(entry["worksheetId"])
            return 200, {"sessions": sessions}

        return gatherResults([self.auth.listSessions(), self.store.list_worksheets(
            include_trashed=True)], consumeErrors=True).addCallback(named)

    def createToken(self, request, body):
        """A new API token for scripts (docs/api.md), shown once: the store keeps its hash."""
        return self.auth.createApiToken(request, body.get("name"), body.get("scope")).addCallback(
            lambda token: (201, {"token": token, "scope": body["scope"]}))

    def endSession(self, key, body):
        def ended(found):
            if not found:
                raise NotFoundError("There is no such session; it may have ended already.")
            return 200, {"ended": key}

        return self.auth.endSession(key).addCallback(ended)


def _people(presence: list[dict]) -> list[str]:
    """Who has a worksheet open, as the owner reads it: "you" (any of their browsers), then the
    others by name."""
    others = sorted({entry["name"] for entry in presence if entry["role"] != "owner"})
    return (["you"] if any(entry["role"] == "owner" for entry in presence) else []) + others


def _made(worksheet):
    return 201, {"worksheet": worksheetJSON(worksheet)}


def _failed(failure, request, what: str) -> None:
    failure = failure.value.subFailure if isinstance(failure.value, FirstError) else failure
    if failure.check(NotFoundError):
        _html.writeJSONError(request, 404, "NotFound", str(failure.value))
    elif failure.check(QuotaExceeded):
        _html.writeJSONError(request, 400, failure.value.type, str(failure.value))
    elif failure.check(ValueError, TypeError):
        _html.writeJSONError(request, 400, "BadRequest", str(failure.value))
    elif failure.check(StoreError):
        log.failure(f"{what} failed", failure)
        _html.writeJSONError(request, 500, "StoreError", str(failure.value))
    else:
        log.failure(f"{what} failed", failure)
        _html.writeJSONError(request, 500, "ServerError",
                             f"{what} failed on the server; its log says why.")
