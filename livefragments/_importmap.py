"""``ImportMap``: bare module specifiers (npm package names) mapped to served URLs, admitted by
the strict policy through its hash.  Tests: tests/unit/test_modules.py.

A page's ES modules may import third-party packages by name (``import {EditorView} from
'@codemirror/view'``), unbundled, when the page carries an import map saying where each name is
served.  The map is an inline ``<script type="importmap">``: no inline script runs under ``CSP``,
so the page's policy admits exactly this one by its SHA-256 (``script-src 'sha256-...'``).  The
map is made once from ``vendor/importmap.json`` in the module tree (written by the package
build, see setup.py) and the tree's content-versioned URL, so its hash is fixed per server.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from ._shell import CSP, addSource


class ImportMap:
    """``imports`` maps each specifier to its URL; ``script`` is the inline element, ``hash``
    its CSP source expression, ``policy(csp)`` that policy admitting it."""

    def __init__(self, imports: dict[str, str]):
        self.imports = dict(imports)
        # "<" is escaped so no URL can end the script element early.
        self.json = json.dumps({"imports": self.imports}, sort_keys=True,
                               separators=(",", ":")).replace("<", "\\u003c")
        digest = hashlib.sha256(self.json.encode()).digest()
        self.hash = f"'sha256-{base64.b64encode(digest).decode()}'"
        self.script = f'<script type="importmap">{self.json}</script>'

    @classmethod
    def fromTree(cls, root: Path, rootURL: str, name: str = "vendor/importmap.json"):
        """The map of the tree served at ``rootURL``, from its ``name`` (paths relative to that
        file's folder); None if the tree has no such file."""
        manifest = Path(root) / name
        if not manifest.is_file():
            return None
        try:
            imports = json.loads(manifest.read_text(encoding="utf-8"))["imports"]
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"The import map {manifest} is not a JSON object with "
                             f"\"imports\": {e}.") from e
        folder = rootURL + str(Path(name).parent.as_posix()).strip("/.") + "/"
        return cls({spec: folder + path for spec, path in imports.items()})

    def policy(self, csp: str = CSP) -> str:
        """``csp`` with this map's hash added to its ``script-src``."""
        return addSource(csp, "script-src", self.hash)
