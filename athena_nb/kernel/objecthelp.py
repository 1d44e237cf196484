"""Help on a name, for the kernel worker: ``name?`` and ``name??`` (signature, docstring,
source, where it is defined) and the signature hint shown while a call is typed.

Tests: tests/unit/test_kernel_introspection.py, tests/unit/test_kernel_worker.py.

Stdlib only, like ``worker.py``, which loads this file by its path (after introspection.py,
which finds the object a name stands for). With Sage loaded, Sage's own inspection
(``sage.misc.sageinspect``) finds what ``inspect`` cannot in Cython code: docstrings without
their embedded signature line, source in ``.pyx`` files, signatures of callable objects.
``introspect`` (someone asked) takes attributes as Python does; ``signature`` (asked by typing
``f(``, unbidden) takes them statically, so that typing never runs a property's code.
"""

from __future__ import annotations

import inspect
import re
import sys
from typing import Any

if __package__:
    from .introspection import NotFound, lookUp
else:  # loaded by path (worker.py loads its siblings first, under these names)
    NotFound = sys.modules["_athena_nb_introspection"].NotFound
    lookUp = sys.modules["_athena_nb_introspection"].lookUp

#: Source and docstrings longer than this are cut (a module's whole source, say).
MAX_TEXT = 200_000
#: The first lines of a docstring the signature hint shows.
HINT_CHARS = 300


def introspect(namespace: dict[str, Any], name: str, detail: int) -> dict[str, Any]:
    """``name?`` (detail 0) or ``name??`` (detail 1): {"found", "text"} (what a cell shows as
    text), and when found: "name", "type", "module", "signature", "doc", "file", "line" and,
    with detail 1, "source" (None where there is none)."""
    try:
        obj = lookUp(namespace, name)
    except NotFound:
        return {"found": False, "text": "Object %r not found." % name}
    info: dict[str, Any] = {"found": True, "name": name, "type": _typeName(obj),
                            "module": _moduleOf(obj), "signature": None, "doc": None,
                            "file": None, "line": None}
    try:
        info["signature"] = signatureOf(obj)
        info["doc"] = _cut(docOf(obj))
        info["file"], info["line"] = _whereDefined(obj)
        if detail:
            info["source"] = _cut(sourceOf(obj))
    except Exception as e:  # a broken object must not stop the answer
        info["error"] = "Introspection failed: %s: %s" % (type(e).__name__, e)
    info["text"] = _asText(info, detail)
    return info


def signature(namespace: dict[str, Any], name: str) -> dict[str, Any]:
    """The hint while ``name(`` is typed: {"found", "name", "signature", "doc"}, "doc" being
    the docstring's first paragraph. Attributes are taken statically (``lookUp``)."""
    try:
        obj = lookUp(namespace, name, static=True)
    except NotFound:
        return {"found": False, "name": name}
    if not callable(obj):
        return {"found": False, "name": name}
    sig = signatureOf(obj)
    doc = docOf(obj) or ""
    first = re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0].strip()
    if len(first) > HINT_CHARS:
        first = first[:HINT_CHARS].rsplit(" ", 1)[0] + " …"
    return {"found": sig is not None or bool(first), "name": name, "signature": sig,
            "doc": first}


def signatureOf(obj: Any) -> str | None:
    """``(a, b=1)`` as ``inspect`` (or Sage) finds it, or None."""
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError, RecursionError):
        pass
    sageinspect = _sageinspect()
    if sageinspect is not None:
        try:
            text = sageinspect.sage_getdef(obj, "f")
        except Exception:
            return None
        return text[1:] if text and text.startswith("f(") else None
    return None


def docOf(obj: Any) -> str | None:
    """The docstring, its indentation cleaned (Sage's: without Cython's signature line)."""
    sageinspect = _sageinspect()
    if sageinspect is not None:
        try:
            doc = sageinspect.sage_getdoc_original(obj)
        except Exception:
            doc = None
        if doc:
            return inspect.cleandoc(doc)
    return inspect.getdoc(obj)


def sourceOf(obj: Any) -> str | None:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        pass
    sageinspect = _sageinspect()
    if sageinspect is not None:
        try:
            return sageinspect.sage_getsource(obj)
        except Exception:
            return None
    return None


def _whereDefined(obj: Any) -> tuple[str | None, int | None]:
    target = obj if inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj) \
        else type(obj)
    try:
        path = inspect.getsourcefile(target) or inspect.getfile(target)
    except (OSError, TypeError):
        path = None
    sageinspect = _sageinspect()
    if path is None and sageinspect is not None:  # Cython: Sage knows its .pyx
        try:
            return sageinspect.sage_getfile(target) or None, \
                sageinspect.sage_getsourcelines(target)[1] + 1 or None
        except Exception:
            return None, None
    if path is None:
        return None, None
    try:
        line = inspect.getsourcelines(target)[1] or None
    except (OSError, TypeError, IndexError):
        line = None
    return path, line


def _sageinspect() -> Any:
    """Sage's inspection module when Sage is loaded, else None (it is never loaded here)."""
    if "sage.all" not in sys.modules:
        return None
    try:
        import sage.misc.sageinspect as sageinspect
    except Exception:
        return None
    return sageinspect


def _typeName(obj: Any) -> str:
    kind = type(obj)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else \
        "%s.%s" % (module, kind.__qualname__)


def _moduleOf(obj: Any) -> str:
    module = getattr(obj, "__module__", None) if not inspect.ismodule(obj) else obj.__name__
    return module if isinstance(module, str) else type(obj).__module__


def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT] + "\n… (%d more characters)" % (len(text) - MAX_TEXT)


def _asText(info: dict[str, Any], detail: int) -> str:
    """The help as plain text (a ``name?`` cell run in the queue shows it as output)."""
    parts = ["Type: %s" % info["type"]]
    if info.get("signature"):
        parts.append("Signature: %s%s" % (info["name"], info["signature"]))
    if info.get("file"):
        parts.append("File: %s" % info["file"])
    if detail:
        parts.append("Source:\n" + info["source"] if info.get("source")
                     else "Source: not available.")
    parts.append("Docstring:\n" + (info.get("doc") or "<no docstring>"))
    if info.get("error"):
        parts.append(info["error"])
    return "\n".join(parts)
