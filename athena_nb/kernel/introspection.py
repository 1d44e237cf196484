"""What the kernel worker knows of a name: completions with their kinds, and the object a
dotted name stands for (``lookUp``), which help on it (objecthelp.py) shows.

Tests: tests/unit/test_kernel_introspection.py, tests/unit/test_kernel_worker.py.

Stdlib only (jedi, where the kernel's environment has it, completes from a cell's source what
its namespace does not have yet), and nothing else of athena_nb: the worker (worker.py) loads
it by path, under any Python 3.9+ interpreter. With Sage loaded, Sage's own inspection
(``sage.misc.sageinspect``) finds what ``inspect`` cannot in Cython code: docstrings without
their embedded signature line, source in ``.pyx`` files, signatures of callable objects;
Sage's lazy imports are imported when someone asks for help on one (as using it would).

Names are looked up, never run as code: ``name`` is a dotted name, and only its first part
comes from the namespace. ``complete`` and ``introspect`` (``name?``, ``name??``: someone asked)
take attributes as Python does; ``signature`` (asked by typing ``f(``, unbidden) takes them
statically (``inspect.getattr_static``), so that typing never runs a property's code.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import keyword
import re
import types
from typing import Any

#: A dotted name, the only thing looked up.
NAME_RE = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*")
_TOKEN_RE = re.compile(r"[A-Za-z_][\w.]*$|$")
#: Kinds resolved for at most this many completions (the rest are "").
MAX_KINDS = 1000
_ROUTINE_TYPES = ("method_descriptor", "wrapper_descriptor", "cython_function_or_method",
                  "builtin_function_or_method", "method-wrapper", "classmethod_descriptor",
                  "fused_cython_function")


class NotFound(Exception):
    """The name is not in the namespace (or an attribute of it is missing)."""


# -- completions --------------------------------------------------------------------------------


def complete(namespace: dict[str, Any], code: str, cursor: int) -> dict[str, Any]:
    """{"matches", "types", "start", "end"} for the dotted name that ends at ``cursor``, or,
    in a string being typed, for the key of ``name[`` before it or else a file's path
    (``inString``); ``types[i]`` is the kind of ``matches[i]`` (``kindOf``, "key", "file",
    "folder")."""
    import rlcompleter

    cursor = max(0, min(cursor, len(code)))
    string = inString(namespace, code, cursor)
    if string is not None:
        return string
    token = _TOKEN_RE.search(code[:cursor]).group(0)  # type: ignore[union-attr]  # "" matches
    start = cursor - len(token)
    if not token:
        return {"matches": [], "types": [], "start": cursor, "end": cursor}
    matches: list[str] = []
    kinds: list[str] = []
    if "." in token:
        head, _, tail = token.rpartition(".")
        try:
            obj = eval(head, namespace)  # only a dotted name: see _TOKEN_RE
        except Exception:
            obj = None
        if obj is not None:
            names = sorted(n for n in dir(obj)
                           if n.startswith(tail) and (tail[:1] == "_" or n[:1] != "_"))
            matches = [head + "." + n for n in names]
            kinds = [attributeKind(obj, n) if i < MAX_KINDS else ""
                     for i, n in enumerate(names)]
        else:
            matches, kinds = fromSource(namespace, code, cursor, token)
    else:
        completer = rlcompleter.Completer(namespace)
        seen: set[str] = set()
        state = 0
        while state <= 5000:
            match = completer.complete(token, state)
            if match is None:
                break
            # rlcompleter adds "(" to callables, "()" to those without parameters
            seen.add(match[:-2] if match.endswith("()") else match.rstrip("(: "))
            state += 1
        matches = sorted(seen)
        kinds = [nameKind(namespace, n) if i < MAX_KINDS else ""
                 for i, n in enumerate(matches)]
        if not matches:
            matches, kinds = fromSource(namespace, code, cursor, token)
    return {"matches": matches, "types": kinds, "start": start, "end": cursor}


#: A dotted name and ``[`` right before a string's opening quote (and its prefix letters).
_SUBSCRIPT_RE = re.compile(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\[\s*[rRbBuU]?$")
#: A string's prefix letters (``f``, ``rb``...), right before its quote.
_PREFIX_RE = re.compile(r"(?<![\w.])[rRbBuUfF]{0,2}$")
#: At most this many keys or directory entries are looked at.
MAX_ENTRIES = 10_000


def openString(line: str) -> tuple[int, str] | None:
    """(where its text starts, its quote) if ``line`` ends inside a string opened on it; None
    outside strings and in a comment."""
    quote: str | None = None
    start = i = 0
    while i < len(line):
        if quote is None:
            if line[i] == "#":
                return None
            if line[i] in "'\"":
                quote = line[i:i + 3] if line[i:i + 3] in ("'''", '"""') else line[i]
                i += len(quote)
                start = i
                continue
        elif line[i] == "\\":
            i += 1
        elif line.startswith(quote, i):
            i += len(quote)
            quote = None
            continue
        i += 1
    return (start, quote) if quote is not None else None


def inString(namespace: dict[str, Any], code: str, cursor: int) -> dict[str, Any] | None:
    """A completion reply for the string being typed at ``cursor``, as IPython completes it:
    ``d['ap`` with the keys of the mapping ``d`` (a dict, or a pandas frame's columns), any
    other string with the paths of the kernel's directory; None outside a string."""
    lineStart = code.rfind("\n", 0, cursor) + 1
    line = code[lineStart:cursor]
    opened = openString(line)
    if opened is None:
        return None
    start, quote = opened
    typed = line[start:]
    before = line[:start - len(quote)]
    prefix = _PREFIX_RE.search(before)
    if prefix and "f" in prefix.group(0).lower() and typed.rfind("{") > typed.rfind("}"):
        return None  # in an f-string's braces: names, as outside the string
    subscript = _SUBSCRIPT_RE.search(before)
    if subscript is not None:
        matches = keysOf(namespace, subscript.group(1), typed)
        kinds = ["key"] * len(matches)
    else:
        matches, kinds = pathsFor(typed)
    raw = bool(prefix) and "r" in prefix.group(0).lower()
    written = [inQuotes(m, quote, raw) for m in matches]
    after = code[cursor:]
    if subscript is not None and not after.startswith(quote):  # a key closes its string and
        close = quote + ("" if after.lstrip().startswith("]") else "]")  # the brackets, as
        written = [w if w is None else w + close for w in written]  # IPython does
    kept = [i for i, w in enumerate(written) if w is not None]
    return {"matches": [written[i] for i in kept], "types": [kinds[i] for i in kept],
            "start": lineStart + start, "end": cursor}


def inQuotes(text: str, quote: str, raw: bool) -> str | None:
    """``text`` as it is written inside a string between ``quote``s (its backslashes, quote
    and control characters escaped), or None where a raw string cannot hold it."""
    if raw:
        bad = quote[0] in text or "\n" in text or text.endswith("\\")
        return None if bad else text
    out = []
    for ch in text:
        if ch == "\\" or ch == quote[0]:
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def keysOf(namespace: dict[str, Any], name: str, typed: str) -> list[str]:
    """The string keys of the mapping ``name`` that begin with ``typed``. ``name`` is looked
    up as help looks a name up (a property on the way runs), and the mapping's ``keys()`` is
    called, as IPython does."""
    from collections.abc import Mapping

    try:
        obj = eval(name, namespace)  # only a dotted name: see _SUBSCRIPT_RE
    except Exception:
        return []
    if not (isinstance(obj, Mapping) or type(obj).__module__.split(".")[0] == "pandas"):
        return []
    try:
        keys = list(itertools.islice(obj.keys(), MAX_ENTRIES))
    except Exception:  # a mapping of the person's own that fails: no keys to offer
        return []
    return sorted({k for k in keys if isinstance(k, str) and k.startswith(typed)})


def pathsFor(typed: str) -> tuple[list[str], list[str]]:
    """(paths, kinds) of the entries of the directory ``typed`` names (relative to the
    kernel's: the worksheet's) that begin with its last part; a folder ends in "/". Hidden
    entries only when the part begins with a dot."""
    import os

    folder, part = os.path.split(typed)
    where = os.path.expanduser(folder) if folder else "."
    try:
        with os.scandir(where) as entries:
            found = []
            for entry in itertools.islice(entries, MAX_ENTRIES):
                if entry.name.startswith(part) and (part[:1] == "." or entry.name[:1] != "."):
                    try:
                        isFolder = entry.is_dir()
                    except OSError:
                        isFolder = False
                    found.append((entry.name, isFolder))
    except OSError:
        return [], []
    found.sort()
    prefix = typed[:len(typed) - len(part)]
    return ([prefix + name + ("/" if isFolder else "") for name, isFolder in found],
            ["folder" if isFolder else "file" for _, isFolder in found])


#: Cells longer than this are not read for completions from their source.
MAX_SOURCE = 100_000
_JEDI_KINDS = {"module": "module", "class": "class", "function": "function",
               "keyword": "keyword", "property": "property"}


def fromSource(namespace: dict[str, Any], code: str, cursor: int,
               token: str) -> tuple[list[str], list[str]]:
    """(matches, kinds) for ``token`` as jedi reads them in the cell's source, with the
    namespace's values: what the cell imports or defines before it has run (``import math``
    then ``math.sq``), as IPython completes. Only where the namespace has none, and only when
    jedi is installed in the kernel's environment (IPython brings it); it runs no code."""
    try:
        import jedi
    except ImportError:
        return [], []
    if len(code) > MAX_SOURCE:
        return [], []
    before = code[:cursor]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1)
    head, dot, tail = token.rpartition(".")
    try:
        found = jedi.Interpreter(code, [namespace]).complete(line, column)
    except Exception:  # jedi's own trouble must not cost the person their Tab
        return [], []
    named = sorted({(c.name, c.type) for c in found
                    if c.name.startswith(tail) and (tail[:1] == "_" or c.name[:1] != "_")})
    return ([head + dot + name for name, _ in named],
            [_JEDI_KINDS.get(kind, "instance") for _, kind in named])


def nameKind(namespace: dict[str, Any], name: str) -> str:
    """The kind of a name of the namespace, a builtin or a keyword."""
    if name in namespace:
        return kindOf(namespace[name])
    if hasattr(builtins, name):
        return kindOf(getattr(builtins, name))
    if keyword.iskeyword(name) or name in getattr(keyword, "softkwlist", ()):
        return "keyword"
    return "instance"


def kindOf(value: Any) -> str:
    """"module", "class", "function" (anything callable that is not a class), "lazy" (a Sage
    lazy import not imported yet) or "instance"; judged by the value's type alone, so that
    asking runs none of the value's code."""
    kind = type(value)
    if _isLazy(value):
        target = getattr(value, "_object", None)
        return "lazy" if target is None else kindOf(target)
    if issubclass(kind, types.ModuleType):
        return "module"
    if issubclass(kind, type):
        return "class"
    if callable(value):
        return "function"
    return "instance"


def attributeKind(obj: Any, name: str) -> str:
    """The kind of ``obj.name``, found without running a property or ``__getattr__``:
    "property" for a computed attribute, else as ``kindOf``."""
    try:
        raw = inspect.getattr_static(obj, name)
    except AttributeError:
        return "instance"  # made by __getattr__: unknown without running it
    if isinstance(raw, property) or type(raw).__name__ in ("getset_descriptor",
                                                            "member_descriptor"):
        return "property"
    if isinstance(raw, (staticmethod, classmethod)) or type(raw).__name__ in _ROUTINE_TYPES:
        return "function"
    return kindOf(raw)


def _isLazy(value: Any) -> bool:
    kind = type(value)
    return kind.__name__ == "LazyImport" and hasattr(kind, "_get_object")


# -- finding the object ---------------------------------------------------------------------------


def lookUp(namespace: dict[str, Any], name: str, static: bool = False) -> Any:
    """The object ``name`` (a dotted name) stands for; raises NotFound. ``static``: attributes
    are taken without running properties or ``__getattr__``, methods bound to their object."""
    if not NAME_RE.fullmatch(name or ""):
        raise NotFound(name)
    first, *rest = name.split(".")
    if first in namespace:
        obj = namespace[first]
    elif hasattr(builtins, first):
        obj = getattr(builtins, first)
    else:
        raise NotFound(name)
    for part in rest:
        obj = _unlazy(obj)
        try:
            obj = _staticAttribute(obj, part) if static else getattr(obj, part)
        except Exception as e:
            raise NotFound(name) from e
    return _unlazy(obj)


def _staticAttribute(obj: Any, name: str) -> Any:
    raw = inspect.getattr_static(obj, name)
    try:
        own = object.__getattribute__(obj, "__dict__")
    except Exception:
        own = None
    if isinstance(own, dict) and own.get(name, own) is raw:
        return raw  # the object's own attribute, a plain value
    if isinstance(raw, (staticmethod, classmethod)):
        return raw.__get__(None, obj if isinstance(obj, type) else type(obj))
    if isinstance(obj, type) or isinstance(obj, types.ModuleType):
        return raw  # a class's function, a module's attribute: as they are
    if isinstance(raw, types.FunctionType) or type(raw).__name__ in _ROUTINE_TYPES:
        try:
            return raw.__get__(obj, type(obj))  # a method, bound: its signature lacks self
        except Exception:
            return raw
    if isinstance(raw, property) or hasattr(type(raw), "__get__"):
        raise AttributeError(name)  # computed: finding it would run its code
    return raw


def _unlazy(obj: Any) -> Any:
    """A Sage lazy import's object (importing it, as using it would)."""
    return obj._get_object() if _isLazy(obj) else obj
