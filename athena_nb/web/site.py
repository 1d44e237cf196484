"""The root resource: the gate every request passes once, then the URL map.  Tests: tests/unit/test_site.py, tests/unit/test_auth.py.

``Root`` is a leaf, so twisted.web hands it every request whole.  It refuses a request whose
Host header names a host the server does not answer to (``HostCheck``, hosts.py: DNS
rebinding), then asks ``Auth.resolve`` who sends the request (at once from the session cache,
or from the store after a restart), attaches the answer as the request's ``IIdentity`` component (``auth.identityOf`` reads it), and only
then routes the request, once, by ``Root.route``:

- ``/static``, ``/login``, ``/share/<token>`` and ``/public/<id>/<token>`` are open to anyone;
- a GET whose URL carries ``?token=`` logs the owner in and drops the token (``TokenLogin``);
- without a session, a page gets the login form and anything else a JSON 403, both with
  status 403, except the transport of a live page the server is closing (its next poll must
  still get the reason; the page checks the session cookie itself);
- a share-link visitor reaches only their own worksheet.

docs/notebook.md ("The gate and the URL map") has the whole map.  Every answer carries the
security headers (``livefragments.securityHeaders``): our writers set them, and
``AthenaRequest`` adds them to the answers twisted.web makes itself.
"""

from __future__ import annotations

from twisted.logger import Logger
from twisted.web.resource import Resource, getChildForRequest
from twisted.web.server import NOT_DONE_YET

from livefragments import CSP, LiveRequest, LiveSite, ModuleResource, Settings, securityHeaders

from . import _html
from .api import ApiV1Resource
from .archive import ArchiveResource
from .auth import Auth, Identity, IIdentity
from .home import ApiResource, HomePage
from .hosts import HostCheck
from .login import LoginResource, LogoutResource, ShareResource, TokenLogin, forbid
from .public import PublicResource
from .threejs import ThreejsResource, threejsRoot
from .throttle import LoginThrottle
from .worksheetops import WorksheetOps

log = Logger()

#: The methods any URL of the site takes (twisted.web would answer others 501, as unknown);
#: the REST API under ``API_V1`` says itself which methods each of its addresses takes.
METHODS = (b"GET", b"HEAD", b"POST")
API_V1 = b"/api/v1/"
#: Open to anyone: the modules, the login form, share-link entry, published snapshots, and the
#: Three.js of Sage's 3D plots (whose frames send no cookie).
OPEN = frozenset((b"static", b"login", b"share", b"public", b"threejs-sage"))


class Root(Resource):
    """The gate: who sends a request, then where it goes."""

    isLeaf = True

    def __init__(self, *, reactor, auth: Auth, store, modules: ModuleResource,
                 worksheets: Resource, hubs=None, hosts: HostCheck | None = None):
        super().__init__()
        self.auth, self.worksheets, self.hosts = auth, worksheets, hosts
        self.moduleRoot = moduleRoot = modules.rootURL
        throttle = LoginThrottle(reactor)  # one count of wrong guesses for every way in
        self.apiV1 = ApiV1Resource(auth, store, hubs, reactor=reactor, throttle=throttle)
        self.places = {
            b"static": modules,
            b"threejs-sage": ThreejsResource(threejsRoot()),
            b"login": LoginResource(auth, moduleRoot, reactor, throttle),
            b"share": ShareResource(auth, moduleRoot),
            b"public": PublicResource(store, moduleRoot, WorksheetOps(reactor, store, hubs)),
            b"logout": LogoutResource(auth),
            b"api": ApiResource(auth, store, hubs, reactor=reactor),
            b"download": ArchiveResource(store, hubs, reactor, getattr(
                getattr(hubs, "kernels", None), "system", None) or "python"),
            b"worksheets": worksheets,
            b"": HomePage(store, moduleRoot, getattr(hubs, "kernelProtection", None)),
        }
        self.tokenLogin = TokenLogin(auth, moduleRoot, reactor, throttle)
        self.logInFirst = _Answer(lambda request: forbid(request, auth, moduleRoot))
        self.notShared = _Answer(self._notShared)
        self.notFound = _Answer(_notFound)

    def render(self, request):
        if request.method not in METHODS and not request.path.startswith(API_V1):
            request.setHeader(b"allow", b", ".join(METHODS))
            _html.writeJSONError(request, 405, "MethodNotAllowed",
                                 f"This server answers only {', '.join(m.decode() for m in METHODS)}"
                                 " requests.")
            return NOT_DONE_YET
        if self.hosts is not None and not self.hosts.allows(request.getHeader(b"host")):
            _html.writeJSONError(request, 403, "Forbidden",
                                 self.hosts.refusal(request.getHeader(b"host")))
            return NOT_DONE_YET
        d = self.auth.resolve(request)
        d.addCallbacks(self._identified, self._unavailable,
                       callbackArgs=(request,), errbackArgs=(request,))
        d.addErrback(self._failed, request)
        return NOT_DONE_YET

    def _identified(self, identity: Identity | None, request) -> None:
        if identity is not None:
            request.setComponent(IIdentity, identity)
        top = request.postpath.pop(0)
        request.prepath.append(top)
        request.render(getChildForRequest(self.route(top, request, identity), request))

    def route(self, top: bytes, request, identity: Identity | None) -> Resource:
        """The resource that answers ``request`` from ``identity``.  ``top`` is the first
        segment of its path; the rest is still in ``request.postpath``."""
        if top in OPEN:
            return self.places[top]
        if top == b"api" and request.postpath[:1] == [b"v1"]:
            # The REST API checks its callers itself: a bearer token, or the owner's session.
            request.prepath.append(request.postpath.pop(0))
            return self.apiV1
        if request.method in (b"GET", b"HEAD") and b"token" in request.args:
            return self.tokenLogin
        if identity is None:
            if top == b"worksheets" and self.worksheets.closingTransport(request):
                return self.worksheets
            return self.logInFirst
        if top == b"worksheets" and not _mayOpen(identity, request.postpath):
            return self.notShared
        if top == b"" and request.postpath:  # the home page is "/" only
            return self.notFound
        return self.places.get(top, self.notFound)

    def _unavailable(self, failure, request) -> None:
        log.failure("Loading a session failed", failure)
        _html.writeJSONError(request, 503, "Unavailable",
                             "The server could not read its sessions; try again in a moment.")

    @staticmethod
    def _failed(failure, request) -> None:
        # What twisted.web does with an exception from a resource: log it, answer 500.
        request.processingFailed(failure)

    def _notShared(self, request) -> None:
        message = "Your share link does not give access to this worksheet."
        if _html.wantsHTML(request):
            body = f'<main class="narrow"><h1>Not shared with you</h1><p>{message}</p></main>'
            _html.writeHTML(request, _html.page("Not shared · athena-nb", body,
                                                moduleRoot=self.moduleRoot), 403)
        else:
            _html.writeJSONError(request, 403, "Forbidden", message)


def _mayOpen(identity: Identity, below: list[bytes]) -> bool:
    """May ``identity`` open what is at ``/worksheets/<below>`` (the list itself: yes)?"""
    return not below or not below[0] or identity.mayOpen(below[0].decode("utf-8", "replace"))


def _notFound(request) -> None:
    _html.writeJSONError(request, 404, "NotFound", "There is nothing at this URL.")


class _Answer(Resource):
    """A leaf that answers every request with ``answer(request)``."""

    isLeaf = True

    def __init__(self, answer):
        super().__init__()
        self.answer = answer

    def render(self, request):
        self.answer(request)
        return NOT_DONE_YET


class AthenaRequest(LiveRequest):
    """Gives the answers twisted.web makes itself (its error pages, ``redirect``) the security
    headers ours carry (an answer nobody marked gets them on its first write), and tells whether
    its connection was lost (``lost``) while its answer was being made."""

    lost = False

    def connectionLost(self, reason) -> None:
        self.lost = True
        super().connectionLost(reason)

    def write(self, data: bytes) -> None:
        headers = self.responseHeaders
        if not self.startedWriting and not headers.hasHeader(b"x-content-type-options"):
            ctype = (headers.getRawHeaders(b"content-type") or [self.defaultContentType])[0]
            securityHeaders(self, CSP if ctype.startswith(b"text/html") else None)
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


def worksheetsResource(*, reactor, hubs, auth: Auth, moduleRoot: str, settings, importMap=None,
                       moduleGraph=None):
    """The worksheet pages, from the notebook's own module (imported late: it is optional
    to the rest of the site, e.g. in the site's unit tests)."""
    from .worksheet import WorksheetsResource

    return WorksheetsResource(reactor=reactor, hubs=hubs, auth=auth, moduleRoot=moduleRoot,
                              settings=settings, importMap=importMap, moduleGraph=moduleGraph)


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
              worksheets: Resource | None = None, hosts: HostCheck | None = None) -> AthenaSite:
    """The whole web site.  ``worksheets`` defaults to ``athena_nb.web.worksheet``'s; ``hosts``
    (None: any) are the Host names it answers to."""
    if modules is None:
        from livefragments import jsRoot

        modules = ModuleResource(jsRoot(), "/static")
    if worksheets is None:
        moduleRoot = modules.rootURL
        worksheets = OnFirstRequest(lambda: worksheetsResource(
            reactor=reactor, hubs=hubs, auth=auth, moduleRoot=moduleRoot, settings=settings,
            importMap=modules.importMap, moduleGraph=modules.graph))
    root = Root(reactor=reactor, auth=auth, store=store, modules=modules,
                worksheets=worksheets, hubs=hubs, hosts=hosts)
    # No URL takes a body larger than a live page's largest message, but a file from someone
    # who may send it (bodylimits.py).
    bodyLimit = None
    if hubs is not None and getattr(hubs, "quotas", None) is not None:
        from .bodylimits import fileBodyLimit

        bodyLimit = fileBodyLimit(auth, hubs)
    return AthenaSite(root, maxBodyBytes=(settings or Settings()).maxMessageBytes,
                      bodyLimit=bodyLimit)
