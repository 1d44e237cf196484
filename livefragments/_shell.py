"""The HTML page shell and the security headers, shared by live pages and an application's own pages.  Tests: tests/unit/test_resource.py, tests/unit/test_site.py.

A page is static markup plus ES modules from the server: no inline script, style or handler, so
the strict policy ``CSP`` holds for every page.  ``securityHeaders`` is the one place that marks
an answer as private, never sniffed and, for a page, never framed; ``htmlDocument`` is the one
page shell.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

#: The policy of every page: everything from this server only, data/blob images, same-origin
#: frames (sandboxed outputs), forms posted only here, and never framed by anyone.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def addSource(csp: str, directive: str, source: str) -> str:
    """``csp`` with ``source`` (e.g. ``'sha256-...'``) added to its ``directive``; a directive it
    lacks is added as ``'self'`` plus ``source``."""
    directives = [d.strip() for d in csp.split(";") if d.strip()]
    for i, each in enumerate(directives):
        if each.split()[0] == directive:
            directives[i] = f"{each} {source}"
            break
    else:
        directives.append(f"{directive} 'self' {source}")
    return "; ".join(directives)


def securityHeaders(request, csp: str | None = None) -> None:
    """Set the security headers of ``request``'s answer.

    Every answer gets ``nosniff``, a same-origin referrer policy and ``no-store``; a page (an
    HTML document: pass its policy as ``csp``) also gets its Content-Security-Policy and
    ``X-Frame-Options: DENY``, the frame-ancestors rule for browsers that predate it.
    """
    request.setHeader(b"x-content-type-options", b"nosniff")
    request.setHeader(b"referrer-policy", b"same-origin")
    request.setHeader(b"cache-control", b"no-store")
    if csp is not None:
        request.setHeader(b"content-security-policy", csp.encode())
        request.setHeader(b"x-frame-options", b"DENY")


def htmlDocument(*, title: str, body: str, stylesheets: Sequence[str] = (),
                 scripts: Sequence[str] = (), icon: str | None = None, head: str = "",
                 lang: str = "en") -> bytes:
    """A whole HTML page, encoded.

    ``body`` is the whole ``<body>`` element and ``head`` more markup for the head, both already
    escaped by the caller; ``stylesheets``, ``scripts`` (ES modules) and ``icon`` are URLs.
    """
    links = "".join(f'<link rel="stylesheet" href="{escape(url)}">' for url in stylesheets)
    if icon is not None:
        links += f'<link rel="icon" href="{escape(icon)}">'
    modules = "".join(f'<script type="module" src="{escape(url)}"></script>' for url in scripts)
    return (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{links}{head}{modules}</head>{body}</html>"
    ).encode()
