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

Who sends it must be known at once: a session or API token in the cache, or the server's token.
Anyone else, and every other request, keeps the site's limit (the gate, after the body, says
who they are); so right after a restart a session not yet seen since gets the 8 MiB limit for
its first upload. A body just over the limit (up to twice) is read and dropped, so that a
browser still sending it sees the sentence; a larger one is refused unread, the connection
closed (the Files panel checks the size against the listed limit before it sends).
"""

from __future__ import annotations

from urllib.parse import unquote

from livefragments import BodyLimit

from ..folder import megabytes, tooLargeSentence
from .auth import Identity

#: An upload with no limit (``--max-upload-mb 0``) still has one body size it cannot pass.
UNLIMITED = 1 << 62


def fileBodyLimit(auth, hubs):
    """The site's ``bodyLimit``: ``hubs.quotas.maxFileBytes`` for a file body from someone who
    may send it, None (the site's limit) for every other request."""

    def choose(request) -> BodyLimit | None:
        method, target = request.requestLine()
        ctype = (request.getHeader(b"content-type") or b"").split(b";")[0].strip()
        if method not in (b"POST", b"PUT") or ctype != b"application/octet-stream":
            return None
        parts = [unquote(p.decode("utf-8", "replace"))
                 for p in target.split(b"?", 1)[0].split(b"/")]
        what = _fileOf(auth, request, method, parts)
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
    and the limit); else None."""
    if method == b"POST" and len(parts) >= 5 and parts[:2] == ["", "worksheets"] \
            and parts[3] == "folder":
        identity = _cachedIdentity(auth, request)
        if identity is None or not identity.mayOpen(parts[2]) or not identity.canEdit():
            return None
        name = "/".join(parts[4:])
        return lambda length, limit: tooLargeSentence(name, length, limit)
    if method == b"POST" and parts == ["", "api", "import"]:
        identity = _cachedIdentity(auth, request)
        return _importSentence if identity is not None and identity.isOwner else None
    if parts[:3] != ["", "api", "v1"] or not _scriptMaySend(auth, request):
        return None
    if method == b"POST" and parts[3:] == ["worksheets", "import"]:
        return _importSentence
    if method == b"PUT" and len(parts) >= 7 and parts[3] == "worksheets" and parts[5] == "files":
        name = "/".join(parts[6:])
        return lambda length, limit: tooLargeSentence(name, length, limit)
    return None


def _importSentence(length: int | None, limit: int) -> str:
    size = f"is {megabytes(length)}" if length is not None else "is larger"
    return (f"The file {size}, and a worksheet imported from a file may have at most "
            f"{megabytes(limit)} (the server's --max-upload-mb); nothing was imported.")


def _cachedIdentity(auth, request) -> Identity | None:
    """Who sends ``request``, if their session is in the cache now (else None: a session
    loaded from the store is checked by the gate, after the body)."""
    sessionId = auth.sessionIdOf(request)
    if sessionId is None or not auth.sessions.isKnown(sessionId):
        return None
    return _now(auth.resolve(request))


def _scriptMaySend(auth, request) -> bool:
    """A script's bearer token that may write: the server's, or a full API token in the
    cache."""
    scheme, _, token = (request.getHeader(b"authorization") or b"").strip().partition(b" ")
    token = token.strip()
    if scheme.lower() != b"bearer" or not token or len(token) > 100:
        return False
    if auth.checkToken(token):
        return True
    text = token.decode("ascii", "replace")
    if not auth.sessions.isKnown(text):
        return False
    identity = _now(auth.resolveToken(text))
    return identity is not None and identity.scope == "full"


def _now(deferred) -> Identity | None:
    found = []
    deferred.addBoth(found.append)
    return found[0] if found and isinstance(found[0], Identity) else None


__all__ = ["fileBodyLimit"]
