"""Which requests may send a body larger than the site's limit on messages (8 MiB): files, up to
``--max-upload-mb``, from someone who may send them. The site's ``bodyLimit`` hook
(livefragments ``LiveRequest``) asks ``fileBodyLimit`` before the body is read.

Tests: tests/unit/test_bodylimits.py, tests/integration/test_folder_http.py.

A file body is ``application/octet-stream`` and goes to one of:

- ``POST /worksheets/<id>/folder/<name>``: an upload to a worksheet's files, by a session that
  may change that worksheet;
- ``POST /api/import``: a worksheet imported from the home page, by the owner's session;
- ``POST /api/v1/worksheets/import`` and ``PUT /api/v1/worksheets/<id>/files/<name>``: the
  same through the REST API, with the server's token or a full API token.

Who sends it is looked up before the body is read: a session or API token from the cache, or
from the store (right after a restart, or once the cache has let it go) while the connection
waits, paused (livefragments ``LiveRequest``). Anyone else, and every other request, keeps the
site's limit (the gate, after the body, says who they are). A body just over the limit (up to
twice) is read and dropped, so that a browser still sending it sees the sentence; a larger one
is refused unread, the connection closed (the Files panel checks the size against the listed
limit before it sends).
"""

from __future__ import annotations

from urllib.parse import unquote

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from livefragments import BodyLimit

from ..folder import megabytes, tooLargeSentence
from .auth import Identity

log = Logger()

#: An upload with no limit (``--max-upload-mb 0``) still has one body size it cannot pass.
UNLIMITED = 1 << 62


def fileBodyLimit(auth, hubs):
    """The site's ``bodyLimit``: ``hubs.quotas.maxFileBytes`` for a file body from someone who
    may send it, None (the site's limit) for every other request; a Deferred of one of those
    when the sender's session or token must be loaded from the store first."""

    def choose(request) -> BodyLimit | Deferred | None:
        method, target = request.requestLine()
        ctype = (request.getHeader(b"content-type") or b"").split(b";")[0].strip()
        if method not in (b"POST", b"PUT") or ctype != b"application/octet-stream":
            return None
        parts = [unquote(p.decode("utf-8", "replace"))
                 for p in target.split(b"?", 1)[0].split(b"/")]
        what = _fileOf(auth, request, method, parts)
        if isinstance(what, Deferred):
            return what.addCallback(lambda sentence: rule(sentence))
        return rule(what)

    def rule(what) -> BodyLimit | None:
        if what is None:
            return None
        limit = hubs.quotas.maxFileBytes
        if limit is None:
            return BodyLimit(UNLIMITED, lambda length: "")
        return BodyLimit(limit, lambda length: what(length, limit), drain=2 * limit,
                         type="TooLarge")

    return choose


def _fileOf(auth, request, method: bytes, parts: list[str]):
    """For a file body its sender may send: its refusal's sentence (a function of the length
    and the limit); else None.  A Deferred of either when the sender must be looked up."""
    if method == b"POST" and len(parts) >= 5 and parts[:2] == ["", "worksheets"] \
            and parts[3] == "folder":
        name = "/".join(parts[4:])

        def upload(identity):
            if identity is None or not identity.mayOpen(parts[2]) or not identity.canEdit():
                return None
            return lambda length, limit: tooLargeSentence(name, length, limit)

        return _soonest(auth.resolve(request), upload)
    if method == b"POST" and parts == ["", "api", "import"]:
        return _soonest(auth.resolve(request),
                        lambda identity: _importSentence if identity is not None
                        and identity.isOwner else None)
    if parts[:3] != ["", "api", "v1"]:
        return None
    if method == b"POST" and parts[3:] == ["worksheets", "import"]:
        what = _importSentence
    elif method == b"PUT" and len(parts) >= 7 and parts[3] == "worksheets" \
            and parts[5] == "files":
        name = "/".join(parts[6:])

        def what(length, limit):
            return tooLargeSentence(name, length, limit)
    else:
        return None
    return _soonest(_scriptMaySend(auth, request), lambda may: what if may else None)


def _importSentence(length: int | None, limit: int) -> str:
    size = f"is {megabytes(length)}" if length is not None else "is larger"
    return (f"The file {size}, and a worksheet imported from a file may have at most "
            f"{megabytes(limit)} (the server's --max-upload-mb); nothing was imported.")


def _scriptMaySend(auth, request) -> Deferred:
    """Fires with whether a script's bearer token may write: the server's, or a full API
    token."""
    scheme, _, token = (request.getHeader(b"authorization") or b"").strip().partition(b" ")
    token = token.strip()
    if scheme.lower() != b"bearer" or not token or len(token) > 100:
        return succeed(False)
    if auth.checkToken(token):
        return succeed(True)
    return auth.resolveToken(token.decode("ascii", "replace")).addCallback(
        lambda identity: isinstance(identity, Identity) and identity.scope == "full")


def _soonest(deferred: Deferred, then):
    """``then(result)`` at once if ``deferred`` has fired (a cached session), else a Deferred
    of it (a session loaded from the store: the request's body waits for it)."""
    result = deferred.addCallback(then).addErrback(_lookupFailed)
    found = []
    result.addCallback(lambda value: found.append(value) or value)
    return found[0] if found else result


def _lookupFailed(failure: Failure) -> None:
    log.failure("Looking up who sends a file failed; the site's limit applies.", failure)


__all__ = ["fileBodyLimit"]
