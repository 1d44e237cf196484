"""``/threejs-sage/<version>/three.min.js``: the Three.js that Sage's rotatable 3D plots load.  Tests: tests/unit/test_web_threejs.py.

A Sage 3D plot is a page of Sage's own (an HTML output, shown in a sandboxed frame) that loads
``three.min.js`` from here (``threejs_offline_scripts`` in athena_nb/kernel/worker.py), as
Jupyter serves it under ``/nbextensions/threejs-sage/``. The file is the one the
``jupyter_threejs_sage`` package holds, which Sage installs (``pip install passagemath-plot``
brings it): nothing is copied into this project. Where it is not installed, the answer is 404
and the plot's page loads Three.js from Sage's CDN instead.

Open to anyone, as ``/static`` is: the frame runs in an opaque origin and sends no cookie. The
version is part of the address, so the browser keeps the file for a year.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET

from ._html import securityHeaders, writeText

#: The versions Sage names (``r122``), the only thing of the path that varies.
VERSION = re.compile(r"r[0-9]{1,4}")
FILE = "three.min.js"


def threejsRoot() -> Path | None:
    """Where ``jupyter_threejs_sage`` keeps its builds, if it is installed."""
    spec = importlib.util.find_spec("jupyter_threejs_sage")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(list(spec.submodule_search_locations)[0]) / "static"
    return root if root.is_dir() else None


class ThreejsResource(Resource):
    """Answers ``<version>/three.min.js`` from ``root`` (None: nothing installed, 404)."""

    isLeaf = True

    def __init__(self, root: Path | None):
        super().__init__()
        self.root = root

    def render_GET(self, request):
        parts = request.postpath
        if (self.root is None or len(parts) != 2 or parts[1] != FILE.encode()
                or not VERSION.fullmatch(parts[0].decode("ascii", "replace"))):
            writeText(request, 404, "There is no such Three.js here (Sage's 3D plots load "
                      "/threejs-sage/<version>/three.min.js, from the jupyter_threejs_sage "
                      "package).")
            return NOT_DONE_YET
        path = self.root / parts[0].decode("ascii") / FILE
        try:
            body = path.read_bytes()
        except OSError:
            writeText(request, 404, f"Three.js {parts[0].decode('ascii')} is not installed "
                      "here; the plot loads it from Sage's CDN.")
            return NOT_DONE_YET
        securityHeaders(request)
        request.setHeader(b"content-type", b"text/javascript; charset=utf-8")
        request.setHeader(b"cache-control", b"public, max-age=31536000, immutable")
        return body
