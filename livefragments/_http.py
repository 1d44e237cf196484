"""Small HTTP helpers shared by the live-page resources.  Tests: tests/unit/test_resource.py."""

from __future__ import annotations

from ._json import dumpb
from ._shell import securityHeaders

JSON = b"application/json"


def writeJSON(request, body: bytes, code: int = 200) -> None:
    """Answer ``request`` with a JSON body, unless it was answered already."""
    if request.finished:
        return
    request.setResponseCode(code)
    request.setHeader(b"content-type", JSON)
    securityHeaders(request)
    # A known length spares both ends the chunked encoding.
    request.setHeader(b"content-length", b"%d" % len(body))
    request.write(body)
    request.finish()


def errorBody(type: str, message: str, reload: bool = False) -> bytes:
    return dumpb({"error": {"type": type, "message": message, "reload": reload}})


def writeError(request, code: int, type: str, message: str, reload: bool = False) -> None:
    writeJSON(request, errorBody(type, message, reload), code)


def refuseMethod(request, allowed: bytes, what: str) -> bool:
    """Answer 405 (with ``Allow``) unless the request uses ``allowed``; True if refused."""
    if request.method == allowed:
        return False
    request.setHeader(b"allow", allowed)
    writeError(request, 405, "MethodNotAllowed",
               f"{what} only accepts {allowed.decode()}.")
    return True


def writeEnd(request, end) -> None:
    """Answer ``request`` with how its page ended (a ``PageEnd``): the client must reload."""
    writeError(request, end.status, end.type, end.message, reload=True)
