"""``LivePageResource``: renders a fresh live page per GET and routes its transport requests.

Tests: tests/unit/test_resource.py, tests/unit/test_websocket.py.  URLs and checks:
docs/protocol.md sections 2, 5.1 and 9.
"""

from __future__ import annotations

import secrets
from html import escape

from twisted.internet.defer import CancelledError, maybeDeferred
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from ._errors import Closed, MessageTooLarge, ProtocolError
from ._flush import Flusher
from ._http import refuseMethod, writeEnd, writeError
from ._importmap import ImportMap
from ._json import dumpsForScript
from ._longpoll import LongPollTransport, ParkingLot, parseEnvelope
from ._modulegraph import ModuleGraph
from ._page import NO_SUCH_PAGE, LivePage
from ._session import SessionStore, sessionCookie
from ._settings import Settings
from ._shell import CSP, addSource, htmlDocument, securityHeaders

log = Logger()

#: The page's one script, under the module root; it boots the page.
RUNTIME = "livefragments/runtime.js"


class LivePageResource(Resource):
    """Mount it at a path ending in ``/``; ``pageFactory(request)`` makes each new page.

    The factory returns a ``LivePage`` (or a Deferred of one, or None for 404).
    """

    def __init__(self, pageFactory, *, reactor, moduleRoot: str, settings: Settings | None = None,
                 sessions: SessionStore | None = None, csp: str = CSP,
                 importMap: ImportMap | None = None, styleNonce: bool = False,
                 moduleGraph: ModuleGraph | None = None):
        super().__init__()
        self.pageFactory = pageFactory
        self.reactor = reactor
        self.moduleRoot = moduleRoot
        self.settings = settings or Settings()
        self.sessions = sessions if sessions is not None else SessionStore(reactor)
        # The page shell carries the import map, so its policy admits that one inline script.
        self.importMap = importMap
        self.csp = importMap.policy(csp) if importMap is not None else csp
        #: Each page gets a fresh nonce that its policy admits for <style> elements, in
        #: <meta name="lf-style-nonce">: for libraries that make their styles at run time
        #: (CodeMirror); no inline style attribute is admitted.
        self.styleNonce = styleNonce
        #: The module tree's import graph (``ModuleResource.graph``): each page then names
        #: every module it will load as a ``modulepreload`` link, so the browser fetches them
        #: all at once instead of one level of imports after another.
        self.moduleGraph = moduleGraph
        self.pages: dict[str, LivePage] = {}
        self._pagesBySession: dict[str, list[str]] = {}
        self._longPolls: dict[str, LongPollTransport] = {}
        self.parking = ParkingLot(self.settings)
        self.flusher = Flusher(reactor, self.settings)

    # -- routing ---------------------------------------------------------------------------

    def getChild(self, name: bytes, request):
        if name == b"":
            return self
        return _PageChild(self, name.decode("ascii", "replace"))

    # -- sessions --------------------------------------------------------------------------

    def sessionOf(self, request):
        raw = request.getCookie(self.settings.cookieName.encode())
        return self.sessions.get(raw.decode("ascii", "replace")) if raw else None

    def _ensureSession(self, request):
        session = self.sessionOf(request)
        if session is None:
            session = self.sessions.create()
            request.setHeader(b"set-cookie", sessionCookie(
                self.settings.cookieName, session.id, request.isSecure()))
        return session

    # -- rendering -------------------------------------------------------------------------

    def render_GET(self, request):
        session = self._ensureSession(request)
        d = maybeDeferred(self.pageFactory, request)
        d.addCallback(self._pageMade, request, session, request.path.decode("utf-8", "replace"))
        d.addErrback(self._pageFailed, request)
        # A browser that leaves before its page is made gets none: nothing is registered.
        request.notifyFinish().addErrback(lambda _: d.cancel())
        return NOT_DONE_YET

    def _pageFailed(self, failure, request):
        if failure.check(CancelledError):
            return  # the connection was lost first
        log.failure("Making a live page failed", failure)
        if not request.finished:
            request.setResponseCode(500)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            securityHeaders(request)
            request.write(b"The page could not be made; the server log says why.\n")
            request.finish()

    def _pageMade(self, page: LivePage | None, request, session, base: str):
        if page is None:
            request.setResponseCode(404)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            securityHeaders(request)
            request.write(b"No such page.\n")
            request.finish()
            return
        self.register(page, session.id)
        nonce = secrets.token_urlsafe(18) if self.styleNonce else None
        body = self.renderShell(page, base, nonce)
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        securityHeaders(request, self.csp if nonce is None
                        else addSource(self.csp, "style-src", f"'nonce-{nonce}'"))
        request.write(body)
        request.finish()

    def register(self, page: LivePage, sessionId: str) -> None:
        """Give ``page`` its ids and transport and make it reachable."""
        clientId = secrets.token_urlsafe(24)
        page.start(self.reactor, self.settings, clientId, secrets.token_urlsafe(24), sessionId,
                   self.moduleRoot, self.flusher)
        self._longPolls[clientId] = LongPollTransport(page, self.reactor, self.parking)
        page.onGone = self._forget
        self.pages[clientId] = page
        mine = self._pagesBySession.setdefault(sessionId, [])
        mine.append(clientId)
        while len(mine) > self.settings.maxPagesPerSession:
            oldest = self.pages.get(mine[0])
            if oldest is None:
                mine.pop(0)
                continue
            oldest.abort(Closed("Too many pages are open in this session; the oldest closed."))
            oldest.gone()

    def longPollOf(self, page: LivePage) -> LongPollTransport:
        """The page's long-poll transport (its home, whichever transport carries it now)."""
        return self._longPolls[page.clientId]

    def pageForRequest(self, request, clientId: str) -> LivePage | None:
        """The live page a transport request is for, if the request may use it.

        Checks, in order: the page exists (else 404 NoSuchPage), the session cookie is the
        page's (else 403), the Origin, when present, is ours or allowed (else 403).  On a
        failure the request is answered and None returned.
        """
        page = self.pages.get(clientId)
        if page is None:
            writeEnd(request, NO_SUCH_PAGE)
            return None
        cookie = request.getCookie(self.settings.cookieName.encode())
        if cookie is None or not secrets.compare_digest(cookie, page.sessionId.encode()):
            writeError(request, 403, "Forbidden", "This page belongs to another session.")
            return None
        origin = request.getHeader(b"origin")
        if origin is not None and not _sameOrigin(request, origin.decode("latin-1"),
                                                  self.settings.allowedOrigins):
            writeError(request, 403, "Forbidden",
                       f"Requests from origin {origin.decode('latin-1')!r} are not allowed.")
            return None
        return page

    def _forget(self, page: LivePage) -> None:
        self.pages.pop(page.clientId, None)
        self._longPolls.pop(page.clientId, None)
        mine = self._pagesBySession.get(page.sessionId)
        if mine and page.clientId in mine:
            mine.remove(page.clientId)
            if not mine:
                del self._pagesBySession[page.sessionId]

    def bootObject(self, page: LivePage, base: str) -> dict:
        return {
            "clientId": page.clientId,
            "csrf": page.csrf,
            "transport": f"{base}{page.clientId}/transport",
            "websocket": f"{base}{page.clientId}/ws" if self.settings.websocket else None,
            "preferWebSocket": self.settings.preferWebSocket,
            "moduleRoot": self.moduleRoot,
            "settings": self.settings.forClient(),
            "widgets": page.bootWidgets(),
        }

    def preloads(self, page: LivePage) -> str:
        """``modulepreload`` links for the runtime, the modules of the page's widgets and
        everything they import (none without a module graph). They follow the import map: a
        module loaded before the map is read would make the browser ignore the map."""
        if self.moduleGraph is None:
            return ""
        entries = {RUNTIME} | {n.jsClass.partition(":")[0] for n in page._subtree(page)}
        return "".join(f'<link rel="modulepreload" href="{escape(url)}">'
                       for url in self.moduleGraph.closure(entries))

    def renderShell(self, page: LivePage, base: str, nonce: str | None = None) -> bytes:
        markup = page.markup()  # renders (and so attaches) every child before the boot list
        boot = dumpsForScript(self.bootObject(page, base))
        return htmlDocument(
            title=page.title, lang=page.lang, body=markup, icon=page.icon,
            stylesheets=[self.moduleRoot + sheet
                         for sheet in ("livefragments/livefragments.css", *page.stylesheets)],
            head=(f'<meta name="lf-style-nonce" content="{nonce}">' if nonce else "")
            + (self.importMap.script if self.importMap is not None else "")
            + self.preloads(page)
            + f'<script type="application/json" id="lf-boot">{boot}</script>',
            scripts=[self.moduleRoot + RUNTIME])

    def render(self, request):
        # Transport URLs hang below the page's own URL, which therefore ends in "/".
        if request.method in (b"GET", b"HEAD") and not request.path.endswith(b"/"):
            request.redirect(request.path + b"/")
            return b""
        return super().render(request)


class _PageChild(Resource):
    """``<base><clientId>/transport`` (and ``/ws`` when WebSocket is on)."""

    def __init__(self, parent: LivePageResource, clientId: str):
        super().__init__()
        self.parent = parent
        self.clientId = clientId

    def getChild(self, name: bytes, request):
        if name == b"transport":
            return _TransportResource(self.parent, self.clientId)
        if name == b"ws" and self.parent.settings.websocket:
            # Imported with the first socket: the WebSocket stack (wsproto, h11) is about 15 ms
            # of a ~250 ms server start, and long-poll pages never need it.
            from ._websocket import WebSocketEndpoint

            return WebSocketEndpoint(self.parent, self.clientId)
        return _NotFound()

    def render(self, request):
        return _NotFound().render(request)


class _NotFound(Resource):
    isLeaf = True

    def render(self, request):
        writeError(request, 404, "NotFound", "There is nothing at this URL.")
        return NOT_DONE_YET


class _TransportResource(Resource):
    isLeaf = True

    def __init__(self, parent: LivePageResource, clientId: str):
        super().__init__()
        self.parent = parent
        self.clientId = clientId

    def render(self, request):
        if not refuseMethod(request, b"POST", "The transport"):
            self._handle(request)
        return NOT_DONE_YET

    def _handle(self, request) -> None:
        owner = self.parent
        page = owner.pageForRequest(request, self.clientId)
        if page is None:
            return
        body = request.content.read()
        if len(body) > owner.settings.maxMessageBytes:
            error = MessageTooLarge(
                f"The request body has {len(body)} bytes, more than the limit of "
                f"{owner.settings.maxMessageBytes}; the page was closed.")
            page.abort(error)
            writeEnd(request, page.end)
            page.endRendered()
            return
        try:
            envelope, options = parseEnvelope(body)
        except ProtocolError as e:
            envelope, options, malformed = None, {}, e
        else:
            malformed = None
        token = request.getHeader(b"x-lf-csrf")
        token = token.decode("latin-1") if token is not None else options.get("csrf")
        if not isinstance(token, str) or not secrets.compare_digest(token, page.csrf):
            writeError(request, 403, "Forbidden", "The request lacks this page's CSRF token.")
            return
        if malformed is not None:
            writeError(request, 400, malformed.type, malformed.message)
            return
        owner.longPollOf(page).requestReceived(request, envelope, options.get("resend") is True)


def _sameOrigin(request, origin: str, allowed) -> bool:
    host = request.getHeader(b"host")
    if host is None:
        return origin in allowed
    scheme = "https" if request.isSecure() else "http"
    return origin == f"{scheme}://{host.decode('latin-1')}" or origin in allowed
