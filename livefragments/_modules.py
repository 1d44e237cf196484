"""``ModuleResource``: serves ES modules and CSS under a content-versioned, cacheable URL.

Tests: tests/unit/test_modules.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from twisted.web.resource import Resource

from ._importmap import ImportMap
from ._modulegraph import ModuleGraph

_TYPES = {
    ".js": b"text/javascript; charset=utf-8",
    ".mjs": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".json": b"application/json",
    ".svg": b"image/svg+xml",
    ".png": b"image/png",
}


class ModuleResource(Resource):
    """Serves ``root`` at ``<mountPath>/<version>/...``; ``rootURL`` is what pages import from.

    The version is a hash of every served file, read once at start-up, so browsers may cache
    modules forever and a changed tree gets a new URL.  The bytes served are the bytes hashed:
    a file edited later is not served under the old version.
    """

    isLeaf = True

    def __init__(self, root: Path, mountPath: str = "/static"):
        super().__init__()
        self.root = Path(root).resolve()
        self._files: dict[str, tuple[bytes, bytes]] = {}  # name: (content type, body)
        digest = hashlib.sha256()
        for path in sorted(self.root.rglob("*")):
            parts = path.relative_to(self.root).parts
            if path.suffix in _TYPES and path.is_file() \
                    and not any(part.startswith(".") for part in parts):
                name, body = "/".join(parts), path.read_bytes()
                self._files[name] = (_TYPES[path.suffix], body)
                digest.update(name.encode() + b"\0" + body + b"\0")
        self.version = digest.hexdigest()[:16]
        self.rootURL = f"{mountPath.rstrip('/')}/{self.version}/"
        #: Where pages find the tree's npm packages by name (None: the tree has none).
        self.importMap = ImportMap.fromTree(self.root, self.rootURL)
        #: What each module imports, for pages that preload their whole module graph.
        self.graph = ModuleGraph(
            {name: body for name, (_, body) in self._files.items() if name.endswith((".js", ".mjs"))},
            self.rootURL, self.importMap.imports if self.importMap is not None else None)

    def render_GET(self, request):
        parts = [p.decode("utf-8", "replace") for p in request.postpath]
        served = self._files.get("/".join(parts[1:]))
        if not parts or parts[0] != self.version or served is None:
            request.setResponseCode(404)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return b"No such module (or an old version of it).\n"
        contentType, body = served
        request.setHeader(b"content-type", contentType)
        request.setHeader(b"cache-control", b"public, max-age=31536000, immutable")
        request.setHeader(b"x-content-type-options", b"nosniff")
        return body
