"""Small helpers for the service's own pages and JSON answers.  Tests: tests/unit/test_site.py, tests/unit/test_auth.py.

Every page is static markup plus ES modules from /static, in livefragments' page shell
(``htmlDocument``) with its security headers and strict policy (``securityHeaders``, ``CSP``): the
same shell, headers and policy as the live worksheet pages.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote, urlsplit

from livefragments import CSP, htmlDocument, securityHeaders

#: The pages' icon, inline (so it costs no request and passes every page's img-src); quoted,
#: so it needs no HTML escaping.
ICON = ("data:image/svg+xml," + quote(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="7" fill="#1f5fbf"/><path d="M9 24 16 7l7 17M11.6 18h8.8" '
    'fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>'
    "</svg>"))


def answerable(request) -> bool:
    """Whether ``request`` still awaits its answer: not answered, and its connection not lost
    (``AthenaRequest.lost``) while the answer was being made."""
    return not request.finished and not request.lost


def page(title: str, body: str, *, moduleRoot: str, scripts: tuple[str, ...] = (),
         stylesheets: tuple[str, ...] = (), bodyClass: str = "", head: str = "") -> bytes:
    """A whole HTML page: ``body`` (and ``head``, more for the head) is markup already escaped
    by the caller; ``scripts`` and ``stylesheets`` are paths under the module root."""
    cls = f' class="{escape(bodyClass)}"' if bodyClass else ""
    return htmlDocument(
        title=title, body=f"<body{cls}>{body}</body>", icon=ICON,
        stylesheets=[moduleRoot + s for s in ("athena_nb/notebook.css", *stylesheets)],
        scripts=[moduleRoot + s for s in scripts],
        head='<meta name="color-scheme" content="light dark">' + head)


def writeHTML(request, body: bytes, code: int = 200, csp: str = CSP) -> None:
    """Answer with the page ``body`` under the policy ``csp``."""
    if not answerable(request):
        return
    request.setResponseCode(code)
    request.setHeader(b"content-type", b"text/html; charset=utf-8")
    securityHeaders(request, csp)
    request.write(body)
    request.finish()


def writeJSON(request, value, code: int = 200) -> None:
    if not answerable(request):
        return
    request.setResponseCode(code)
    request.setHeader(b"content-type", b"application/json")
    securityHeaders(request)
    request.write(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    request.finish()


def writeJSONError(request, code: int, type: str, message: str, *, reload: bool = False) -> None:
    """The same error shape as livefragments' transport, so its client understands it."""
    writeJSON(request, {"error": {"type": type, "message": message, "reload": reload}}, code)


def redirect(request, location: str, code: int = 303) -> None:
    if not answerable(request):
        return
    request.setResponseCode(code)
    request.setHeader(b"location", location.encode("utf-8"))
    request.setHeader(b"content-type", b"text/plain; charset=utf-8")
    securityHeaders(request)
    request.write(f"See {location}\n".encode())
    request.finish()


def sameOrigin(request) -> bool:
    """True unless the request names an Origin (or Referer) other than this server."""
    origin = request.getHeader(b"origin")
    if origin is None:
        referer = request.getHeader(b"referer")
        if referer is None:
            return True
        parts = urlsplit(referer.decode("latin-1"))
        origin = f"{parts.scheme}://{parts.netloc}".encode("latin-1")
    host = request.getHeader(b"host")
    if host is None:
        return False
    scheme = b"https" if request.isSecure() else b"http"
    return origin == scheme + b"://" + host


def localPath(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this server (so a redirect cannot leave it), else default."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target


def wantsHTML(request) -> bool:
    """A browser navigating (GET of a page), as opposed to a script or the transport."""
    if request.method not in (b"GET", b"HEAD"):
        return False
    path = request.path
    if path.startswith(b"/api/") or path.endswith((b"/transport", b"/ws")):
        return False
    accept = request.getHeader(b"accept") or b""
    return b"text/html" in accept or b"*/*" in accept or not accept


#: Served inline (shown as images); everything else is an attachment.
INLINE_IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".gif": "image/gif", ".webp": "image/webp"}


def writeText(request, code: int, text: str) -> None:
    """Answer ``code`` with ``text`` as plain text (a sentence for a download or a file that
    cannot be had), with the security headers."""
    if request.finished:
        return
    request.setResponseCode(code)
    request.setHeader(b"content-type", b"text/plain; charset=utf-8")
    securityHeaders(request)
    request.write(text.encode("utf-8") + b"\n")
    request.finish()
