"""``ModuleGraph``: which served ES modules a page's modules import, directly or not, for ``<link rel="modulepreload">``.  Tests: tests/unit/test_modulegraph.py.

Unbundled ES modules load level by level: the browser learns of a module's imports only once
it has fetched and parsed that module, so a page whose modules import each other six levels
deep waits six round trips, even from the cache. A page that names its whole module graph up
front, as ``modulepreload`` links, lets the browser fetch every module at once.

The graph is read from the served files themselves: the static ``import``/``export ... from``
statements of each module, relative specifiers resolved against its folder and bare ones (npm
package names) through the tree's import map. A specifier that names no served file is left
out (a dynamic ``import()`` is never followed). Each set of entry modules is walked once.
"""

from __future__ import annotations

import posixpath
import re

#: A static import or re-export at the start of a statement: ``import x from 'a'``,
#: ``import {a,\n b} from "a"``, ``import 'a'``, ``export * from 'a'``, ``export {a} from 'a'``.
_STATIC = re.compile(
    r"""(?:^|[;\n}])[ \t]*(?:import|export)[ \t\n]*(?:[\w$*{}, \t\n]+?[ \t\n]*from[ \t\n]*)?"""
    r"""(['"])([^'"\n]+)\1""")


class ModuleGraph:
    """The import graph of a module tree served at ``rootURL``; ``files`` maps each served
    path (relative, with "/") to its bytes, ``imports`` is the import map's specifiers to
    URLs (or None)."""

    def __init__(self, files: dict[str, bytes], rootURL: str, imports: dict[str, str] | None):
        self.files = files
        self.rootURL = rootURL
        self.imports = dict(imports or {})
        self._edges: dict[str, list[str]] = {}
        self._closures: dict[tuple[str, ...], list[str]] = {}

    def importsOf(self, path: str) -> list[str]:
        """The served modules ``path`` imports statically, as paths in the tree."""
        found = self._edges.get(path)
        if found is None:
            body = self.files.get(path, b"").decode("utf-8", "replace")
            found = []
            for match in _STATIC.finditer(body):
                target = self._resolve(path, match.group(2))
                if target is not None and target not in found:
                    found.append(target)
            self._edges[path] = found
        return found

    def _resolve(self, path: str, spec: str) -> str | None:
        if spec.startswith(("./", "../")):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
        else:
            url = self.imports.get(spec)
            if url is None or not url.startswith(self.rootURL):
                return None
            target = url[len(self.rootURL):]
        return target if target in self.files and not target.startswith("../") else None

    def closure(self, entries) -> list[str]:
        """The URLs of ``entries`` (paths in the tree) and of every served module they import,
        directly or not, each once, entries first."""
        key = tuple(sorted(set(entries)))
        urls = self._closures.get(key)
        if urls is None:
            seen: list[str] = []
            todo = [e for e in key if e in self.files]
            while todo:
                path = todo.pop(0)
                if path in seen:
                    continue
                seen.append(path)
                todo.extend(p for p in self.importsOf(path) if p not in seen)
            urls = self._closures[key] = [self.rootURL + p for p in seen]
        return urls
