"""The ways in: token URL, the /login form, share-link entry, and the 403 answer.  Tests: tests/unit/test_auth.py.

A wrong token or password is answered only after ``failureDelay`` seconds, so guessing is slow,
and counted by the ``LoginThrottle`` (throttle.py), which refuses a client that has guessed too
often (429, unchecked); everything that compares secrets does so in constant time (see auth.py).
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, parse_qsl, urlencode

from twisted.internet.defer import maybeDeferred
from twisted.internet.task import deferLater
from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from ..store import LimitError, NotFoundError
from . import _html
from .auth import Auth, Identity, clientAddress, identityOf
from .throttle import LoginThrottle

log = Logger()

FAILURE_DELAY = 1.0


#: The most of a form body that is read: the fields are a token, a password or a name.
MAX_FORM_BYTES = 64 * 1024


def _formBody(request) -> bytes | None:
    """The request's urlencoded form body, if it has one (the site does not parse POST bodies
    itself)."""
    ctype = (request.getHeader(b"content-type") or b"").split(b";")[0].strip().lower()
    if request.method != b"POST" or ctype != b"application/x-www-form-urlencoded":
        return None
    request.content.seek(0)
    return request.content.read(MAX_FORM_BYTES)


def badForm(request) -> str | None:
    """Why the request's form body is not one a browser sends (not ASCII, or percent-escapes
    that are not UTF-8), or None if it is fine or there is none."""
    body = _formBody(request)
    if body is None:
        return None
    try:
        parse_qs(body.decode("ascii"), keep_blank_values=True, encoding="utf-8",
                 errors="strict")
    except UnicodeError:
        return ("The form was not sent the way a browser sends one (URL-encoded UTF-8); "
                "send it again from its page.")
    return None


def _form(request) -> dict[str, list[str]]:
    body = _formBody(request)
    if body is None:
        return {}
    return parse_qs(body.decode("ascii", "replace"), keep_blank_values=True, encoding="utf-8",
                    errors="replace")


def _arg(request, name: bytes) -> str | None:
    values = request.args.get(name)
    if values:
        try:
            return values[0].decode("utf-8")
        except UnicodeDecodeError:
            return None
    values = _form(request).get(name.decode("ascii"))
    return values[0] if values else None


def loginForm(auth: Auth, *, moduleRoot: str, next: str = "/", error: str | None = None) -> bytes:
    """The login page: one field that takes the token (or the password, if one is set)."""
    label = "Token or password" if auth.passwordHash is not None else "Token"
    problem = (f'<p class="form-error" role="alert">{escape(error)}</p>' if error else "")
    body = (
        '<main class="narrow"><h1>athena-nb</h1>'
        "<p>This notebook server needs you to log in. Use the link it printed when it started "
        "(it holds the token), or paste the token here.</p>"
        "<p>If you came here by a share link, open that link again; if it no longer works, it "
        "was revoked or your session was ended: ask the worksheet's owner for a new one.</p>"
        f"{problem}"
        '<form method="post" action="/login" class="stack">'
        f'<input type="hidden" name="next" value="{escape(next)}">'
        f'<label for="secret">{label}</label>'
        '<input id="secret" name="secret" type="password" autocomplete="current-password" '
        'required autofocus>'
        '<button type="submit" class="primary">Log in</button></form></main>')
    return _html.page("Log in · athena-nb", body, moduleRoot=moduleRoot)


def forbid(request, auth: Auth, moduleRoot: str) -> None:
    """403 for a request without a session: the login form for a page, JSON otherwise."""
    if _html.wantsHTML(request):
        next = _html.localPath(request.uri.decode("utf-8", "replace"))
        _html.writeHTML(request, loginForm(auth, moduleRoot=moduleRoot, next=next), 403)
    else:
        _html.writeJSONError(
            request, 403, "Forbidden",
            "This request has no valid session; log in again (open the URL with the token).",
            reload=True)


def withoutToken(uri: bytes) -> str:
    """``uri`` with its ``token`` query argument taken out."""
    path, _, query = uri.decode("utf-8", "replace").partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "token"]
    return _html.localPath(path + ("?" + urlencode(kept) if kept else ""))


def _logInOwner(auth: Auth, request, target: str):
    """Start an owner session for ``request``, then redirect it to ``target``."""
    d = auth.loginOwner(request)
    d.addCallback(lambda _: _html.redirect(request, target))
    d.addErrback(_failed, request, "Logging in")
    return d


class _Guarded(Resource):
    """A way in that checks a secret: throttled, and slow to say no."""

    isLeaf = True

    def __init__(self, auth: Auth, moduleRoot: str, reactor, throttle: LoginThrottle | None = None,
                 failureDelay: float = FAILURE_DELAY):
        super().__init__()
        self.auth, self.moduleRoot, self.reactor = auth, moduleRoot, reactor
        self.throttle = throttle or LoginThrottle(reactor)
        self.failureDelay = failureDelay

    def _throttled(self, request, next: str) -> bool:
        """Answer 429 and return True if ``request``'s client has guessed too often lately."""
        wait = self.throttle.wait(clientAddress(request))
        if not wait:
            return False
        request.setHeader(b"retry-after", b"%d" % max(1, round(wait + 0.5)))
        _html.writeHTML(request, loginForm(self.auth, moduleRoot=self.moduleRoot, next=next,
                                           error=self.throttle.refusal(wait)), 429)
        return True

    def _wrong(self, request, body: bytes, counted: bool = False):
        """A wrong secret: counted (unless it was already), and answered 403 after the failure
        delay."""
        if not counted:
            self.throttle.failed(clientAddress(request))
        return deferLater(self.reactor, self.failureDelay, _html.writeHTML, request, body, 403)


class TokenLogin(_Guarded):
    """A request whose URL carries ``?token=``: log in as the owner and drop it from the URL."""

    def render(self, request):
        target = withoutToken(request.uri)
        if self._throttled(request, target):
            return NOT_DONE_YET
        if not self.auth.checkToken(_arg(request, b"token")):
            self._wrong(request, loginForm(
                self.auth, moduleRoot=self.moduleRoot, next=target,
                error="The token in that link is not valid. The server makes a new one each "
                      "time it starts; use the link it printed last."))
            return NOT_DONE_YET
        identity = identityOf(request)
        if identity is not None and identity.isOwner:
            _html.redirect(request, target)
            return NOT_DONE_YET
        _logInOwner(self.auth, request, target)
        return NOT_DONE_YET


class LoginResource(_Guarded):
    """``/login``: GET shows the form, POST checks the token or password."""

    def _form(self, next: str, error: str | None = None) -> bytes:
        return loginForm(self.auth, moduleRoot=self.moduleRoot, next=next, error=error)

    def render_GET(self, request):
        next = _html.localPath(_arg(request, b"next"))
        identity = identityOf(request)
        if identity is not None and identity.isOwner and b"next" in request.args:
            # Logged in already (a page opened from another site was not sent the cookie).
            _html.redirect(request, next)
            return NOT_DONE_YET
        _html.writeHTML(request, self._form(next))
        return NOT_DONE_YET

    def render_POST(self, request):
        next = _html.localPath(_arg(request, b"next"))
        problem = badForm(request)
        if problem is not None:
            _html.writeHTML(request, self._form(next, problem), 400)
            return NOT_DONE_YET
        if not _html.sameOrigin(request):
            _html.writeHTML(request, self._form(
                next, "The login form was sent from another site; log in from this page."), 403)
            return NOT_DONE_YET
        if self._throttled(request, next):
            return NOT_DONE_YET
        secret = _arg(request, b"secret") or ""
        if self.auth.checkToken(secret):
            _logInOwner(self.auth, request, next)
            return NOT_DONE_YET

        def checked(ok):
            if ok:
                self.throttle.succeeded(client)
                return _logInOwner(self.auth, request, next)
            error = ("That is neither the token nor the password." if self.auth.passwordHash
                     else "That is not the token.")
            return self._wrong(request, self._form(next, error), counted=True)

        # Counted before the check, which takes a while in a thread: guesses sent all at once
        # must not all pass the throttle meanwhile.
        client = clientAddress(request)
        self.throttle.failed(client)
        d = self.auth.checkPassword(secret)
        d.addCallback(checked)
        d.addErrback(_failed, request, "Checking the password")
        return NOT_DONE_YET


class LogoutResource(Resource):
    """``/logout`` (POST): end the session."""

    isLeaf = True

    def __init__(self, auth: Auth):
        super().__init__()
        self.auth = auth

    def render_POST(self, request):
        if not _html.sameOrigin(request):
            _html.writeJSONError(request, 403, "Forbidden",
                                 "Logging out is only possible from this server's own pages.")
            return NOT_DONE_YET
        self.auth.logout(request)
        _html.redirect(request, "/login")
        return NOT_DONE_YET


class ShareResource(Resource):
    """``/share/<token>``: enter through a share link, after picking a display name."""

    def __init__(self, auth: Auth, moduleRoot: str):
        super().__init__()
        self.auth, self.moduleRoot = auth, moduleRoot

    def getChild(self, name: bytes, request):
        if request.postpath not in ([], [b""]):
            return _NotFound(self.moduleRoot)
        return ShareEntry(self.auth, self.moduleRoot, name.decode("utf-8", "replace"))

    def render(self, request):
        return _NotFound(self.moduleRoot).render(request)


class ShareEntry(Resource):
    isLeaf = True

    def __init__(self, auth: Auth, moduleRoot: str, token: str):
        super().__init__()
        self.auth, self.moduleRoot, self.token = auth, moduleRoot, token

    def render_GET(self, request):
        d = maybeDeferred(self._show, request, identityOf(request))
        d.addErrback(_failed, request, "Opening the share link", self.moduleRoot)
        return NOT_DONE_YET

    def _show(self, request, identity: Identity | None):
        def found(link):
            if link is None:
                return _invalidLink(request, self.moduleRoot)
            target = worksheetPath(link.worksheet_id)
            if identity is not None and (identity.isOwner or identity.link == link.token):
                return _html.redirect(request, target)
            return self.auth.store.get_worksheet(link.worksheet_id).addCallback(
                lambda worksheet: self._form(request, link, worksheet.title))

        return self.auth.store.lookup_share_link(self.token).addCallback(found)

    def _form(self, request, link, title: str, error: str | None = None, name: str = "",
              code: int = 200):
        what = ("edit and run it with the others" if link.role.value == "collaborator"
                else "follow it live, read-only")
        problem = f'<p class="form-error" role="alert">{escape(error)}</p>' if error else ""
        body = (
            '<main class="narrow"><h1>Join a worksheet</h1>'
            f"<p>You were invited to <strong>{escape(title)}</strong> as a "
            f"{escape(link.role.value)}: you can {what}.</p>{problem}"
            f'<form method="post" action="{escape(self.auth.sharePath(link.token))}" '
            'class="stack">'
            '<label for="name">Your name (the others see it)</label>'
            f'<input id="name" name="name" autocomplete="nickname" maxlength="60" required '
            f'autofocus value="{escape(name)}">'
            '<button type="submit" class="primary">Join</button></form></main>')
        _html.writeHTML(request, _html.page(f"Join {title} · athena-nb", body,
                                            moduleRoot=self.moduleRoot), code)

    def render_POST(self, request):
        if not _html.sameOrigin(request):
            _html.writeJSONError(request, 403, "Forbidden",
                                 "A share link can only be entered from its own page.")
            return NOT_DONE_YET
        problem = badForm(request)
        if problem is not None:
            _html.writeJSONError(request, 400, "BadRequest", problem)
            return NOT_DONE_YET
        name = _arg(request, b"name") or ""

        def joined(identity):
            if identity is None:
                return _invalidLink(request, self.moduleRoot)
            return _html.redirect(request, worksheetPath(identity.worksheetId))

        def badName(failure):
            failure.trap(ValueError)
            d = self.auth.store.lookup_share_link(self.token)

            def again(link):
                if link is None:
                    return _invalidLink(request, self.moduleRoot)
                return self.auth.store.get_worksheet(link.worksheet_id).addCallback(
                    lambda ws: self._form(request, link, ws.title, str(failure.value), name, 400))

            return d.addCallback(again)

        d = maybeDeferred(self.auth.joinShareLink, request, self.token, name)
        d.addCallbacks(joined, badName)
        d.addErrback(_failed, request, "Entering the share link", self.moduleRoot)
        return NOT_DONE_YET


def worksheetPath(worksheetId: str) -> str:
    return f"/worksheets/{worksheetId}/"


def _invalidLink(request, moduleRoot: str) -> None:
    body = ('<main class="narrow"><h1>This link does not work</h1>'
            "<p>The share link was revoked, its worksheet is in the trash, or it never existed. "
            "Ask the person who sent it for a new one.</p></main>")
    _html.writeHTML(request, _html.page("Link not valid · athena-nb", body,
                                        moduleRoot=moduleRoot), 404)


class _NotFound(Resource):
    isLeaf = True

    def __init__(self, moduleRoot: str):
        super().__init__()
        self.moduleRoot = moduleRoot

    def render(self, request):
        _invalidLink(request, self.moduleRoot)
        return NOT_DONE_YET


def _failed(failure, request, what: str, moduleRoot: str | None = None) -> None:
    if moduleRoot is not None and failure.check(NotFoundError):
        _invalidLink(request, moduleRoot)  # the link's worksheet was deleted meanwhile
        return
    if moduleRoot is not None and failure.check(LimitError):
        body = (f'<main class="narrow"><h1>This link is full</h1><p>{escape(str(failure.value))}'
                "</p></main>")
        _html.writeHTML(request, _html.page("Link full · athena-nb", body,
                                            moduleRoot=moduleRoot), 403)
        return
    log.failure(f"{what} failed", failure)
    if _html.answerable(request):
        _html.writeJSONError(request, 500, "ServerError",
                             f"{what} failed on the server; its log says why.")
