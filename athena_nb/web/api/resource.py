"""``/api/v1/...``: the REST API for scripts: who may call it, and every request checked
against its route before anything runs.  Tests: tests/unit/test_api.py,
tests/integration/test_api_http.py, tests/integration/test_api_schemathesis.py.

Who: ``Authorization: Bearer <token>`` with the server's token is the owner (a wrong token is
counted by the same ``LoginThrottle`` as the login form's, and answered 401); without that
header, the owner's session cookie, as the home page's calls use it.  A request with a bearer
token needs no CSRF defence (a browser never adds that header on its own); one that comes with
the cookie and changes anything must come from this server's own pages (its Origin) and send a
type a cross-site form cannot (``application/json``, or ``application/octet-stream`` for a
file), as the home page's calls must.  Share-link visitors may not use the API.

What: the path picks a ``Route`` (spec.py); its path and query parameters and its body are
checked against the route's schemas (schema.py), and every refusal is a 4xx with a sentence in
``{"error": {"type", "message"}}``; only a fault of the server is a 5xx, logged.
``calls.Calls`` does the rest.
"""

from __future__ import annotations

import json
import os

from twisted.internet.defer import maybeDeferred, succeed
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from livefragments import securityHeaders

from ... import ot
from ...folder import FolderError
from ...hub import HubClosed, HubError, NoSuchCell
from ...hubs import WorksheetUnavailable
from ...quotas import QuotaExceeded
from ...store import NotFoundError, StoreError
from .. import _html
from ..auth import Auth, clientAddress, identityOf
from ..throttle import LoginThrottle
from . import spec
from .calls import Calls, FileAnswer
from .runs import Conflict
from .schema import SchemaError, check, parseParameter

log = Logger()

_SAFE = (b"GET", b"HEAD")
#: Files up to this size are read at once; bigger ones stream from disk.
SMALL_FILE = 1 << 20


class Refusal(Exception):
    """A request refused before it reached its call: status, type, sentence."""

    def __init__(self, code: int, type: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.code, self.type, self.headers = code, type, headers or {}


class ApiV1Resource(Resource):
    isLeaf = True

    def __init__(self, auth: Auth, store, hubs, *, reactor, throttle: LoginThrottle | None = None):
        super().__init__()
        self.auth = auth
        self.throttle = throttle or LoginThrottle(reactor)
        self.calls = Calls(reactor, store, hubs)

    def render(self, request):
        try:
            route, params = self._route(request)
        except (Refusal, SchemaError) as error:
            _refuse(request, error)
            return NOT_DONE_YET
        d = succeed(None) if route.public else maybeDeferred(self._who, request, route)
        d.addCallback(self._call, request, route, params)
        d.addCallback(self._answer, request)
        d.addErrback(_failed, request, route)
        return NOT_DONE_YET

    def _call(self, who, request, route: spec.Route, params: dict):
        """The route's call, once who sends it is known and its query and body are checked."""
        params.update(self._query(request, route))
        body = self._body(request, route)
        return getattr(self.calls, route.operationId)(who, body, **params)

    # -- which route -------------------------------------------------------------------------

    def _route(self, request) -> tuple[spec.Route, dict]:
        try:
            parts = [p.decode("utf-8") for p in request.postpath]
        except UnicodeDecodeError:
            raise Refusal(400, "BadRequest", "The address is not valid UTF-8.")
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        method = "GET" if request.method == b"HEAD" else request.method.decode("latin-1")
        fitting = [r for r in spec.ROUTES if _fits(r, parts)]
        if not fitting:
            raise Refusal(404, "NotFound", "There is no such API call; the calls are listed "
                                           f"at {spec.PREFIX}/openapi.json.")
        # A literal segment wins over a parameter: /worksheets/import is no worksheet's id.
        literal = max(sum(not s.startswith("{") for s in r.segments) for r in fitting)
        fitting = [r for r in fitting if sum(not s.startswith("{") for s in r.segments) == literal]
        chosen = [r for r in fitting if r.method == method]
        if not chosen:
            allowed = sorted({r.method for r in fitting})
            raise Refusal(405, "MethodNotAllowed",
                          f"This address takes {', '.join(allowed)}, not {method}.",
                          {b"allow": ", ".join(allowed).encode()})
        route = chosen[0]
        params = {}
        declared = {p.name: p for p in route.params}
        for template, part in zip(route.segments, parts, strict=True):
            if template.startswith("{"):
                param = declared[template[1:-1]]
                params[param.name] = parseParameter(part, param.schema,
                                                    f"The {param.name} in the address")
        return route, params

    # -- who ---------------------------------------------------------------------------------

    def _who(self, request, route: spec.Route) -> str:
        header = request.getHeader(b"authorization")
        if header is not None:
            return self._bearer(request, header, route)
        identity = identityOf(request)
        if identity is None:
            raise Refusal(401, "Unauthorized", "Send the server's token as "
                          "'Authorization: Bearer <token>' (docs/api.md says where it is).",
                          {b"www-authenticate": b'Bearer realm="athena-nb"'})
        if not identity.isOwner:
            raise Refusal(403, "Forbidden", "Only the notebook's owner may use this API.")
        if request.method not in _SAFE:
            if not _html.sameOrigin(request):
                raise Refusal(403, "Forbidden", "Calls with the session cookie are only "
                              "accepted from this server's own pages; scripts send the token "
                              "as 'Authorization: Bearer <token>'.")
            ctype = _contentType(request)
            if ctype not in (b"application/json", b"application/octet-stream"):
                raise Refusal(415, "UnsupportedMediaType", "Calls with the session cookie "
                              "must send a JSON body (Content-Type: application/json).")
        return identity.name

    def _bearer(self, request, header: bytes, route: spec.Route):
        client = clientAddress(request)
        wait = self.throttle.wait(client)
        if wait > 0:
            raise Refusal(429, "TooManyRequests", self.throttle.refusal(wait),
                          {b"retry-after": str(max(1, round(wait))).encode()})
        scheme, _, token = header.strip().partition(b" ")
        if scheme.lower() != b"bearer" or not token.strip():
            raise Refusal(401, "Unauthorized", "The Authorization header must be "
                          "'Bearer <token>', with the server's token.",
                          {b"www-authenticate": b'Bearer realm="athena-nb"'})
        token = token.strip()
        if self.auth.checkToken(token):
            return "Owner"

        def found(identity):
            if identity is None:
                self.throttle.failed(client)
                raise Refusal(401, "Unauthorized", "That is neither the server's token nor an "
                              "API token made on the home page (it may have been ended).",
                              {b"www-authenticate":
                               b'Bearer realm="athena-nb", error="invalid_token"'})
            if identity.scope != "full" and route.method != "GET":
                raise Refusal(403, "Forbidden", f"The token {identity.name!r} may only read; "
                              "nothing was changed.")
            return f"{identity.name} (API token)"

        return self.auth.resolveToken(token.decode("ascii", "replace")).addCallback(found)

    # -- what --------------------------------------------------------------------------------

    @staticmethod
    def _query(request, route: spec.Route) -> dict:
        values = {}
        for param in route.params:
            if param.where != "query":
                continue
            given = request.args.get(param.name.encode())
            if not given:
                if param.required:
                    raise Refusal(400, "BadRequest",
                                  f"Say the {param.name} in the address (?{param.name}=...).")
                continue
            try:
                raw = given[0].decode("utf-8")
            except UnicodeDecodeError:
                raise Refusal(400, "BadRequest", f"The {param.name} is not valid UTF-8.")
            values[param.name] = parseParameter(raw, param.schema, f"The {param.name}")
        return values

    @staticmethod
    def _body(request, route: spec.Route):
        if route.body is None:
            return {}
        raw = request.content.read() if request.content is not None else b""
        ctype = _contentType(request)
        if route.body == "file":
            if ctype != b"application/octet-stream":
                raise Refusal(415, "UnsupportedMediaType", "Send the file as it is, with "
                              "Content-Type: application/octet-stream.")
            return raw
        if not raw.strip():
            if route.bodyRequired:
                raise Refusal(400, "BadRequest", "This call needs a JSON body.")
            return {}
        if ctype != b"application/json":
            raise Refusal(415, "UnsupportedMediaType",
                          "Send the body as JSON, with Content-Type: application/json.")
        try:
            body = json.loads(raw, parse_constant=_noConstant, parse_float=_number)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise Refusal(400, "BadRequest", "The request body is not valid JSON.")
        check(body, route.body, "The request body", spec.SCHEMAS)
        return body

    # -- answering ---------------------------------------------------------------------------

    @staticmethod
    def _answer(result, request) -> None:
        if not _html.answerable(request):
            return
        if not isinstance(result, FileAnswer):
            code, value = result
            _html.writeJSON(request, value, code)
            return
        securityHeaders(request)
        request.setHeader(b"content-type", result.contentType)
        if result.contentType != b"application/json":
            request.setHeader(b"content-security-policy", b"sandbox; default-src 'none'")
            request.setHeader(b"content-disposition", result.disposition)
        if result.path is None or os.path.getsize(result.path) <= SMALL_FILE:
            body = result.body
            if body is None:
                with open(result.path, "rb") as f:
                    body = f.read()
            request.setHeader(b"content-length", b"%d" % len(body))
            request.write(body)
            request.finish()
            return
        from twisted.web.static import File  # imported late: it warns of deprecations on import

        resource = File(result.path, defaultType=result.contentType.decode())
        resource.type, resource.encoding = result.contentType.decode(), None
        body = resource.render(request)
        if body is not NOT_DONE_YET and not request.finished:
            request.write(body)
            request.finish()


def _fits(route: spec.Route, parts: list[str]) -> bool:
    return len(route.segments) == len(parts) and all(
        (t.startswith("{") and p != "") or t == p for t, p in zip(route.segments, parts, strict=True))


def _contentType(request) -> bytes:
    return (request.getHeader(b"content-type") or b"").split(b";")[0].strip().lower()


def _number(text: str) -> float | int:
    """A JSON number with a fraction: ``1.0`` is the integer 1, as JSON Schema counts it."""
    value = float(text)
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


def _noConstant(name: str):
    raise ValueError(f"{name} is not JSON.")


#: Refusals of the calls, by the exception: (status, type).  The first that fits answers.
_REFUSALS = (
    ((Conflict, HubClosed, ot.StaleVersion), (409, "Conflict")),
    ((NotFoundError, WorksheetUnavailable, NoSuchCell), (404, "NotFound")),
    ((QuotaExceeded,), (400, "QuotaExceeded")),
    ((SchemaError, ValueError, HubError), (400, "BadRequest")),
)


def _refuse(request, error: Exception) -> None:
    if isinstance(error, Refusal):
        for name, value in error.headers.items():
            request.setHeader(name, value)
        _html.writeJSONError(request, error.code, error.type, str(error))
    else:
        _html.writeJSONError(request, 400, "BadRequest", str(error))


def _failed(failure, request, route: spec.Route) -> None:
    if failure.check(Refusal):
        _refuse(request, failure.value)
        return
    if failure.check(FolderError):  # a file refused: its own status (folder.py)
        _html.writeJSONError(request, failure.value.status, failure.value.type,
                             str(failure.value))
        return
    for kinds, answer in _REFUSALS:
        if failure.check(*(kinds if isinstance(kinds, tuple) else (kinds,))):
            _html.writeJSONError(request, *answer, str(failure.value))
            return
    if failure.check(StoreError):
        log.failure("The API call {op} failed", failure, op=route.operationId)
        _html.writeJSONError(request, 500, "StoreError", str(failure.value))
        return
    log.failure("The API call {op} failed", failure, op=route.operationId)
    _html.writeJSONError(request, 500, "ServerError",
                         f"The call {route.operationId} failed on the server; its log says why.")
