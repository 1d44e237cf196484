"""The root resource: the URL map, the session gate, security headers.  Tests: tests/unit/test_auth.py.

URL map (docs: /work notes "notebook contract"):

- ``/``                 home page (owner)              - ``/login``, ``/logout``
- ``/static/<ver>/...`` ES modules and CSS (public)    - ``/share/<token>`` share-link entry (public)
- ``/api/...``          the home page's JSON API       - ``/worksheets/...`` the worksheet pages
- ``/public/<id>/<token>`` a published read-only snapshot (public, no session)

Everything else needs a session: without one a page gets the login form and anything else a
JSON 403, both with status 403.  A share-link visitor reaches only their own worksheet.
"""

from __future__ import annotations

from twisted.logger import Logger
from twisted.web.resource import Resource, getChildForRequest
from twisted.web.server import NOT_DONE_YET, Request

from livefragments import LiveSite, ModuleResource

from . import _html
from .auth import Auth
from .home import ApiResource, HomePage
from .login import LoginResource, LogoutResource, ShareResource, TokenLogin, forbid
from .public import PublicResource

log = Logger()

_PUBLIC = (b"static", b"login", b"share", b"public")


class Root(Resource):
    """Routes every request after checking who sends it."""

    def __init__(self, *, reactor, auth: Auth, store, modules: ModuleResource,
                 worksheets: Resource, hubs=None):
        super().__init__()
        self.reactor, self.auth, self.modules = reactor, auth, modules
        moduleRoot = modules.rootURL
        self.moduleRoot = moduleRoot
        self.children_ = {
            b"static": modules,
            b"login": LoginResource(auth, moduleRoot, reactor),
            b"share": ShareResource(auth, moduleRoot),
            b"public": PublicResource(store, moduleRoot),
            b"logout": LogoutResource(auth),
            b"api": ApiResource(auth, store, hubs, reactor=reactor),
            b"worksheets": worksheets,
            b"": HomePage(auth, store, moduleRoot),
        }

    def getChildWithDefault(self, name: bytes, request):
        if name in (b"static", b"share", b"public"):
            return self.children_[name]
        if request.method in (b"GET", b"HEAD") and b"token" in request.args and name != b"login":
            return TokenLogin(self.auth, self.moduleRoot, self.reactor)
        if name == b"login":
            return self.children_[name]
        if self.auth.needsLoading(request) and not getattr(request, "_athenaResolved", False):
            return _Resolve(self)
        identity = self.auth.identify(request)
        if identity is None:
            if name == b"worksheets" and self.children_[name].closingTransport(request):
                return self.children_[name]  # the page's own checks follow (its session cookie)
            return _Forbidden(self.auth, self.moduleRoot)
        if name == b"worksheets" and not identity.isOwner:
            wanted = request.postpath[0].decode("utf-8", "replace") if request.postpath else ""
            if wanted and not identity.mayOpen(wanted):
                return _Forbidden(self.auth, self.moduleRoot, loggedIn=True)
        child = self.children_.get(name)
        if child is None:
            return _NotFound()
        if name == b"" and request.postpath not in ([], [b""]):
            return _NotFound()
        return child

    def redispatch(self, request, path: list[bytes]) -> None:
        """Route ``request`` again from the top (its session is loaded now)."""
        request._athenaResolved = True
        request.prepath, request.postpath = [], list(path)
        request.render(getChildForRequest(self, request))


class _Resolve(Resource):
    """Loads the session a cookie names from the store, then routes the request for real."""

    isLeaf = True

    def __init__(self, root: Root):
        super().__init__()
        self.root = root

    def render(self, request):
        path = request.prepath[-1:] + request.postpath
        d = self.root.auth.resolve(request)
        d.addCallback(lambda _: self.root.redispatch(request, path))
        d.addErrback(self._failed, request)
        return NOT_DONE_YET

    def _failed(self, failure, request):
        log.failure("Loading a session failed", failure)
        _html.writeJSONError(request, 503, "Unavailable",
                             "The server could not read its sessions; try again in a moment.")


class _Forbidden(Resource):
    isLeaf = True

    def __init__(self, auth: Auth, moduleRoot: str, loggedIn: bool = False):
        super().__init__()
        self.auth, self.moduleRoot, self.loggedIn = auth, moduleRoot, loggedIn

    def render(self, request):
        message = "Your share link does not give access to this worksheet."
        if self.loggedIn and _html.wantsHTML(request):
            body = f'<main class="narrow"><h1>Not shared with you</h1><p>{message}</p></main>'
            _html.writeHTML(request, _html.page("Not shared · athena-nb", body,
                                                moduleRoot=self.moduleRoot), 403)
        elif self.loggedIn:
            _html.writeJSONError(request, 403, "Forbidden", message)
        else:
            forbid(request, self.auth, self.moduleRoot)
        return NOT_DONE_YET


class _NotFound(Resource):
    isLeaf = True

    def render(self, request):
        _html.writeJSONError(request, 404, "NotFound", "There is nothing at this URL.")
        return NOT_DONE_YET


class AthenaRequest(Request):
    """Adds the safe defaults to every answer that did not set its own, and tells whether its
    connection was lost (``lost``) while its answer was being made."""

    lost = False

    def connectionLost(self, reason) -> None:
        self.lost = True
        super().connectionLost(reason)

    def write(self, data: bytes) -> None:
        if not self.startedWriting:
            headers = self.responseHeaders
            if not headers.hasHeader(b"x-content-type-options"):
                headers.setRawHeaders(b"x-content-type-options", [b"nosniff"])
            if not headers.hasHeader(b"referrer-policy"):
                headers.setRawHeaders(b"referrer-policy", [b"same-origin"])
            ctype = (headers.getRawHeaders(b"content-type") or [b""])[0]
            if ctype.startswith(b"text/html") and not headers.hasHeader(
                    b"content-security-policy"):
                headers.setRawHeaders(b"content-security-policy", [_html.CSP.encode()])
        super().write(data)


class AthenaSite(LiveSite):
    requestFactory = AthenaRequest
    displayTracebacks = False

    def __init__(self, resource, *args, **kwargs):
        # Twisted parses every POST's Content-Type and form body up front, which cost 14% of
        # the server's CPU on long-poll; only the login form needs it, and parses its own.
        kwargs.setdefault("parsePOSTFormSubmission", False)
        super().__init__(resource, *args, **kwargs)

    def log(self, request):
        # No access log: URLs carry the token and share-link tokens, and long-poll would
        # write a line per page every half-minute.
        pass


def worksheetsResource(*, reactor, hubs, auth: Auth, moduleRoot: str, settings):
    """The worksheet pages, from the notebook's own module (imported late: it is optional
    to the rest of the site, e.g. in the site's unit tests)."""
    from .worksheet import WorksheetsResource

    return WorksheetsResource(reactor=reactor, hubs=hubs, auth=auth, moduleRoot=moduleRoot,
                              settings=settings)


class OnFirstRequest(Resource):
    """Stands for the resource ``make()`` returns, made on the first request that reaches it:
    the worksheet pages' modules stay off the server's start (and its first login)."""

    def __init__(self, make):
        super().__init__()
        self._make = make
        self._resource: Resource | None = None

    @property
    def resource(self) -> Resource:
        if self._resource is None:
            self._resource = self._make()
        return self._resource

    def getChildWithDefault(self, name: bytes, request):
        return self.resource.getChildWithDefault(name, request)

    def render(self, request):
        return self.resource.render(request)

    def closingTransport(self, request) -> bool:
        return self._resource is not None and self._resource.closingTransport(request)


def buildSite(*, reactor, store, auth: Auth, hubs, settings, modules: ModuleResource | None = None,
              worksheets: Resource | None = None) -> AthenaSite:
    """The whole web site.  ``worksheets`` defaults to ``athena_nb.web.worksheet``'s."""
    if modules is None:
        from livefragments import jsRoot

        modules = ModuleResource(jsRoot(), "/static")
    if worksheets is None:
        moduleRoot = modules.rootURL
        worksheets = OnFirstRequest(lambda: worksheetsResource(
            reactor=reactor, hubs=hubs, auth=auth, moduleRoot=moduleRoot, settings=settings))
    root = Root(reactor=reactor, auth=auth, store=store, modules=modules,
                worksheets=worksheets, hubs=hubs)
    return AthenaSite(root)
