"""Serving what cells produce: files and HTML outputs.  Tests: tests/unit/test_hub_web_access.py.

The site's gate has already checked that the request may open the worksheet.

Files: ``/worksheets/<id>/files/<cellId>/<path>`` serves a file the cell is recorded to have
created, from the worksheet's directory (never outside it, symlinks included). Images are shown
inline; everything else is a download (``Content-Disposition: attachment``); all get the
security headers (``nosniff``) and a ``sandbox`` CSP, so a file can never run script in the
notebook's origin.

HTML outputs: ``/worksheets/<id>/outputs/<cellId>/<n>.html`` serves output event ``n`` of the
cell's log (``<n>-<k>.html``: output ``k`` of the interact that is event ``n``) as a document with ``Content-Security-Policy: sandbox allow-scripts`` (no
``allow-same-origin``): its scripts run, in an opaque origin, so they cannot read the
notebook's cookies, DOM or storage, nor use its transport. The page frames it in an
``<iframe sandbox="allow-scripts">`` as well.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from twisted.logger import Logger
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from livefragments import securityHeaders

from ..cells import htmlOf
from ..render.tablecss import TABLE_CSS
from ._html import INLINE_IMAGES, writeText

log = Logger()

#: Files up to this size are read at once; bigger ones stream from disk.
SMALL_FILE = 1 << 20

#: Lets the page size the frame to its content (the frame cannot be measured from outside).
_RESIZE = (
    "<script>(()=>{const post=()=>parent.postMessage({athenaOutputHeight:"
    "Math.ceil(document.documentElement.getBoundingClientRect().height)},'*');"
    "addEventListener('load',post);new ResizeObserver(post).observe(document.documentElement);"
    "post();})();</script>"
)


class _CellThing(Resource):
    """Common part: the hub, the cell; subclasses serve ``serve(request, hub, cell, rest)``."""

    isLeaf = True

    def __init__(self, root, worksheetId: str):
        super().__init__()
        self.root = root
        self.worksheetId = worksheetId

    def render_GET(self, request):
        parts = [p.decode("utf-8", "replace") for p in request.postpath]
        if len(parts) < 2 or not parts[0].isdigit():
            writeText(request, 404, "There is nothing at this URL.")
            return NOT_DONE_YET
        cellId, rest = int(parts[0]), parts[1:]
        d = self.root.hubs.open(self.worksheetId)
        d.addCallback(self._found, request, cellId, rest)
        d.addErrback(self._failed, request)
        return NOT_DONE_YET

    def _found(self, hub, request, cellId, rest) -> None:
        cell = hub.findCell(cellId)
        if cell is None:
            writeText(request, 404, f"This worksheet has no cell {cellId}.")
            return
        self.serve(request, hub, cell, rest)

    def _failed(self, failure, request) -> None:
        if not request.finished:
            log.failure("Serving {uri} failed", failure, uri=request.uri)
            writeText(request, 404, failure.getErrorMessage() or "Not found.")

    def serve(self, request, hub, cell, rest) -> None:
        raise NotImplementedError


class CellFilesResource(_CellThing):
    def serve(self, request, hub, cell, rest) -> None:
        path = "/".join(rest)
        if path not in cell.files:
            writeText(request, 404, f"Cell {cell.id} has no file {path!r}.")
            return
        root = os.path.realpath(hub.directory)
        full = os.path.realpath(os.path.join(root, path))
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            writeText(request, 404, f"The file {path!r} is gone (or is not a plain file).")
            return
        sendFile(request, full, inlineImages=True)


class HTMLOutputResource(_CellThing):
    def serve(self, request, hub, cell, rest) -> None:
        name = rest[0] if len(rest) == 1 else ""
        stem = name[:-5] if name.endswith(".html") else ""
        html = _htmlAt(cell.outputs, stem)
        if html is None:
            writeText(request, 404, f"Cell {cell.id} has no HTML output {name!r} (any more).")
            return
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        securityHeaders(request)
        request.setHeader(b"content-security-policy", b"sandbox allow-scripts")
        document = (
            '<!doctype html><html><head><meta charset="utf-8"><base target="_blank">'
            "<style>:root{color-scheme:light dark}body{margin:0;padding:.25rem;"
            "font:0.95rem/1.45 system-ui,sans-serif}" + TABLE_CSS + "</style></head><body>"
            + html + _RESIZE + "</body></html>")
        request.write(document.encode("utf-8"))
        request.finish()


def sendFile(request, full: str, *, inlineImages: bool = False) -> None:
    """Answer with the plain file ``full``: an attachment (images inline if ``inlineImages``),
    under a ``sandbox`` CSP; a big one streams from disk."""
    suffix = os.path.splitext(full)[1].lower()
    securityHeaders(request)
    request.setHeader(b"content-security-policy", b"sandbox; default-src 'none'")
    if inlineImages and suffix in INLINE_IMAGES:
        kind = INLINE_IMAGES[suffix]
    else:
        kind = "application/octet-stream"
        name = quote(os.path.basename(full))
        request.setHeader(b"content-disposition",
                          f"attachment; filename*=UTF-8''{name}".encode("ascii"))
    if os.path.getsize(full) <= SMALL_FILE:
        with open(full, "rb") as f:
            data = f.read()
        request.setHeader(b"content-type", kind.encode())
        request.setHeader(b"content-length", b"%d" % len(data))
        request.write(data)
        request.finish()
        return
    # Big files stream from disk (twisted.web's File), without holding them in memory.
    from twisted.web.static import File  # imported late: it warns of deprecations on import

    resource = File(full, defaultType=kind)
    resource.type, resource.encoding = kind, None
    body = resource.render(request)
    if body is not NOT_DONE_YET and not request.finished:
        request.write(body)
        request.finish()


def _htmlAt(outputs: list[dict], stem: str) -> str | None:
    """The HTML of output ``n`` of the log (``"n"``), or of output ``k`` of the interact that
    is output ``n`` (``"n-k"``)."""
    where, _, inner = stem.partition("-")
    if not where.isdigit() or int(where) >= len(outputs):
        return None
    event = outputs[int(where)]
    if not inner:
        return htmlOf(event)
    if event.get("type") != "interact" or not inner.isdigit():
        return None
    shown = event["outputs"]
    return htmlOf(shown[int(inner)]) if int(inner) < len(shown) else None


__all__ = ["CellFilesResource", "HTMLOutputResource", "INLINE_IMAGES", "sendFile", "writeText"]
