"""The help panel's content and the signature hint, as safe HTML, from what the kernel says
of a name (``athena_nb.kernel.introspection``: ``introspect`` and ``signature``).

Tests: tests/unit/test_render_help.py.

``renderHelp(info)`` gives {"found", "name", "html"} (or {"found": False, "message"}): the
object's type and where it is defined, its signature highlighted as Python, its docstring
rendered (``docstring.renderDocstring``, with Sage's conventions when the object comes from
Sage or its docstring has ``sage:`` examples) and, for ``name??``, its source highlighted.
``renderHint(info)`` gives the hint's {"found", "name", "signature", "doc"} as HTML parts.
"""

from __future__ import annotations

import os
import re
from html import escape
from typing import Any

from pygments.lexers import PythonLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

from .docstring import renderDocstring
from .highlight import highlighted, highlightPython
from .sanitise import clean

#: Source longer than this is shown as text, not highlighted (it would hold a thread long).
MAX_HIGHLIGHT = 200_000

_SAGE_EXAMPLE = re.compile(r"^\s*sage: ", re.MULTILINE)
#: reStructuredText's inline marks, dropped from the hint's text: ``code``, :role:`text`.
_INLINE_MARKS = re.compile(r"(?::[\w:+.-]+:)?`{1,2}(~?)([^`]+?)`{1,2}_{0,2}")


def isSageDoc(info: dict[str, Any]) -> bool:
    """Whether a docstring follows Sage's conventions (backquotes are mathematics)."""
    module = info.get("module") or ""
    return module == "sage" or module.startswith(("sage.", "sage_")) or bool(
        _SAGE_EXAMPLE.search(info.get("doc") or ""))


def renderHelp(info: Any) -> dict[str, Any]:
    """The help panel for the kernel's answer to ``introspect``; never raises."""
    if not isinstance(info, dict) or not info.get("found"):
        text = info.get("text") if isinstance(info, dict) else None
        return {"found": False, "message": str(text or "Nothing was found by that name.")}
    name = str(info.get("name") or "")
    parts = []
    meta = [f"<dt>Type</dt><dd><code>{escape(str(info.get('type') or ''))}</code></dd>"]
    if info.get("file"):
        where = _shortPath(str(info["file"]))
        if info.get("line"):
            where += f", line {int(info['line'])}"
        meta.append(f"<dt>Defined in</dt><dd><code>{escape(where)}</code></dd>")
    parts.append("<dl>" + "".join(meta) + "</dl>")
    if info.get("signature"):
        parts.append(f"<pre>{highlightPython(name + str(info['signature']))}</pre>")
    doc = info.get("doc")
    parts.append("<h3>Docstring</h3>")
    parts.append(renderDocstring(str(doc), sage=isSageDoc(info)) if doc
                 else "<p><em>No docstring.</em></p>")
    if "source" in info:
        parts.append("<h3>Source</h3>")
        source = info.get("source")
        parts.append(f"<pre>{_highlightSource(str(source), info.get('file'))}</pre>"
                     if source else "<p><em>The source is not available.</em></p>")
    if info.get("error"):
        parts.append(f"<p>{escape(str(info['error']))}</p>")
    return {"found": True, "name": name, "html": clean("\n".join(parts))}


def renderHint(info: Any) -> dict[str, Any]:
    """The signature hint for the kernel's answer to ``signature``: the call highlighted and
    the docstring's first paragraph as text."""
    if not isinstance(info, dict) or not info.get("found"):
        return {"found": False}
    name = str(info.get("name") or "")
    signature = info.get("signature")
    return {"found": True, "name": name,
            "signature": clean(highlightPython(name + str(signature))) if signature else "",
            "doc": _INLINE_MARKS.sub(r"\2", str(info.get("doc") or ""))}


def _highlightSource(source: str, path: Any) -> str:
    if len(source) > MAX_HIGHLIGHT:
        return escape(source)
    lexer = PythonLexer()
    if isinstance(path, str) and not path.endswith(".py"):
        try:  # Sage's .pyx: Cython
            lexer = get_lexer_for_filename(path)
        except ClassNotFound:
            pass
    return highlighted(source, lexer)


def _shortPath(path: str) -> str:
    """A path from its package on (``sage/rings/integer.pyx``), not the whole install path."""
    marker = f"{os.sep}site-packages{os.sep}"
    if marker in path:
        return path.rsplit(marker, 1)[1]
    return path
