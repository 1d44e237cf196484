"""Serving ES modules and CSS under a content-versioned, cacheable URL.

Tests: tests/unit/test_modules.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from twisted.web.resource import Resource

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

    The version is a hash of every served file, computed once at start-up, so browsers may cache
    modules forever and a changed tree gets a new URL.
    """

    isLeaf = True

    def __init__(self, root: Path, mountPath: str = "/static"):
        super().__init__()
        self.root = Path(root).resolve()
        self._files = {
            "/".join(path.relative_to(self.root).parts): path
            for path in sorted(self.root.rglob("*"))
            if path.is_file() and path.suffix in _TYPES
            and not any(part.startswith(".") for part in path.relative_to(self.root).parts)
        }
        digest = hashlib.sha256()
        for name, path in self._files.items():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        self.version = digest.hexdigest()[:16]
        self.rootURL = f"{mountPath.rstrip('/')}/{self.version}/"
        self._cache: dict[str, bytes] = {}

    def render_GET(self, request):
        parts = [p.decode("utf-8", "replace") for p in request.postpath]
        name = "/".join(parts[1:])
        if not parts or parts[0] != self.version or name not in self._files:
            request.setResponseCode(404)
            request.setHeader(b"content-type", b"text/plain; charset=utf-8")
            return b"No such module (or an old version of it).\n"
        body = self._cache.get(name)
        if body is None:
            body = self._cache[name] = self._files[name].read_bytes()
        request.setHeader(b"content-type", _TYPES[self._files[name].suffix])
        request.setHeader(b"cache-control", b"public, max-age=31536000, immutable")
        request.setHeader(b"x-content-type-options", b"nosniff")
        return body
