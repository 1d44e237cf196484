"""Rich output in the kernel worker: display(), display ids, clear_output and IPython's display
functions (tests: tests/unit/test_kernel_richoutput.py, tests/integration/test_kernel_display.py).

Stdlib only, like ``worker.py``, which loads this file by its path (it runs under any Python
3.9+, where athena_nb may not be installed). ``RichOutput`` turns objects into MIME bundles
(``_repr_mimebundle_`` and the ``_repr_*_`` methods, as Jupyter does) and sends three kinds of
event through the worker's ``emit``:

- ``{"type": "display", "data", "metadata"?, "displayId"?}``: a new output;
- ``{"type": "update", "displayId", "data", "metadata"?}``: replace every output shown with that
  display id (``update_display``, ``DisplayHandle.update``);
- ``{"type": "clear", "wait"}``: ``clear_output``; with ``wait`` the server clears when the
  next output arrives.

IPython's ``display`` falls back to ``print`` outside an IPython shell. Rather than faking a
shell (libraries that find one through ``get_ipython()``, matplotlib and tqdm among them, then
expect all of it), a ``PatchingFinder`` rebinds the module-level functions of
``IPython.core.display_functions`` to ours as that module is imported; IPython's other modules
call them through that module or import them from it, so they all reach the notebook.
"""

from __future__ import annotations

import base64
import binascii
import importlib.abc
import importlib.machinery
import json
import os
import sys
from collections.abc import Callable
from typing import Any

#: The ``_repr_*_`` methods Jupyter knows, with the MIME type each gives.
REPR_METHODS = (
    ("_repr_json_", "application/json"),
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_latex_", "text/latex"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
)
#: Images carried as base64 text.
BINARY = ("image/png", "image/jpeg")
DISPLAY_FUNCTIONS = "IPython.core.display_functions"
#: The names IPython's modules bind to the display functions.
PATCHED = ("display", "update_display", "clear_output", "publish_display_data")

#: Marks a page that is a Sage 3D plot's scene (worker.py puts it in the page's head): a
#: published snapshot, which runs no script, says what it is instead of showing an empty box.
SCENE_META = '<meta name="athena-nb-scene" content="threejs">'


def newDisplayId() -> str:
    return binascii.hexlify(os.urandom(8)).decode("ascii")


class DisplayHandle:
    """What ``display(obj, display_id=True)`` returns: ``update(obj)`` replaces that output
    wherever it is shown, ``display(obj)`` shows it once more (updating the others)."""

    def __init__(self, owner: RichOutput, displayId: str) -> None:
        self._owner = owner
        self.display_id = displayId

    def __repr__(self) -> str:
        return "<DisplayHandle display_id=%s>" % self.display_id

    def display(self, obj: object, **kwargs: Any) -> None:
        self._owner.display(obj, display_id=self.display_id, **kwargs)

    def update(self, obj: object, **kwargs: Any) -> None:
        self._owner.update_display(obj, display_id=self.display_id, **kwargs)


def _call(obj: object, name: str, *args: Any, **kwargs: Any) -> Any:
    """``obj.name(...)``, or None when there is no such method or it fails (as Jupyter's
    formatters, a broken ``_repr_html_`` costs only its own form)."""
    try:
        method = getattr(obj, name, None)
        return method(*args, **kwargs) if callable(method) else None
    except Exception:
        return None


def _split(value: Any) -> tuple[Any, Any]:
    """A repr method may return the value or (value, metadata)."""
    if isinstance(value, tuple) and len(value) == 2:
        return value
    return value, None


def normalise(mime: str, value: Any) -> Any:
    """The JSON form of one MIME value, or None when it cannot be sent."""
    if value is None:
        return None
    if mime in BINARY:
        if isinstance(value, (bytes, bytearray)):
            return base64.b64encode(bytes(value)).decode("ascii")
        return value if isinstance(value, str) else None
    if mime.endswith("json"):
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            return None
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def plainText(obj: object) -> str:
    """text/plain: IPython's pretty printer for objects that define ``_repr_pretty_``, else repr."""
    if callable(getattr(obj, "_repr_pretty_", None)) and not isinstance(obj, type):
        try:
            from IPython.lib.pretty import pretty

            return pretty(obj)
        except Exception:
            pass
    try:
        return repr(obj)
    except Exception as e:
        return "<%s object (its repr failed: %s)>" % (type(obj).__name__, type(e).__name__)


def mimeBundle(obj: object, include: Any = None,
               exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(data, metadata) of ``obj`` as Jupyter's formatters make them."""
    data: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if not isinstance(obj, type):  # a class is not rendered: its methods are unbound
        bundle, md = _split(_call(obj, "_repr_mimebundle_", include=include, exclude=exclude))
        if isinstance(bundle, dict):
            for mime, value in bundle.items():
                value = normalise(str(mime), value)
                if value is not None:
                    data[str(mime)] = value
            if isinstance(md, dict):
                metadata.update(md)
        for method, mime in REPR_METHODS:
            if mime in data:
                continue
            value, md = _split(_call(obj, method))
            value = normalise(mime, value)
            if value is not None:
                data[mime] = value
                if isinstance(md, dict) and md:
                    metadata[mime] = md
    if "text/plain" not in data:
        data["text/plain"] = plainText(obj)
    if include:
        data = {m: v for m, v in data.items() if m in include}
    if exclude:
        data = {m: v for m, v in data.items() if m not in exclude}
    return data, _jsonable(metadata)


def _jsonable(metadata: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError):
        return {}
    return metadata


class RichOutput:
    """The display functions of one worker. ``emit(event)`` sends an output event;
    ``extraBundle(obj)`` may add forms of its own (the worker's matplotlib figures) and
    ``sage(obj, kind)`` shows an object through Sage's display manager, returning False when
    it leaves the object to us."""

    def __init__(self, emit: Callable[[dict[str, Any]], None],
                 extraBundle: Callable[[object], dict[str, Any]] | None = None) -> None:
        self.emit = emit
        self.extraBundle = extraBundle
        self.sage: Callable[[object, str, dict[str, Any]], bool] | None = None

    def bundle(self, obj: object, include: Any = None,
               exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        data, metadata = mimeBundle(obj, include, exclude)
        if self.extraBundle is not None:
            for mime, value in self.extraBundle(obj).items():
                data.setdefault(mime, value)
        return data, metadata

    def display(self, *objs: object, include: Any = None, exclude: Any = None,
                metadata: dict[str, Any] | None = None, transient: dict[str, Any] | None = None,
                display_id: Any = None, raw: bool = False, clear: bool = False,
                update: bool = False, **kwargs: Any) -> DisplayHandle | None:
        """IPython's ``display``: show each object's richest forms now."""
        transient = dict(transient or {})
        if display_id:
            transient["display_id"] = newDisplayId() if display_id is True else str(display_id)
        displayId = transient.get("display_id")
        if update and not displayId:
            raise TypeError("update_display needs the display_id of the output to update.")
        if not objs and displayId:  # an empty output to update later
            objs, raw = ({},), True
        if clear:
            self.clear_output(wait=True)
        for obj in objs:
            if raw:
                self.publish(obj if isinstance(obj, dict) else {}, metadata, displayId, update)
                continue
            if not isinstance(obj, type) and callable(getattr(obj, "_ipython_display_", None)):
                obj._ipython_display_()  # type: ignore[attr-defined]
                continue
            extra = {"displayId": displayId, "update": update}
            if self.sage is not None and self.sage(obj, "display", extra):
                continue
            data, md = self.bundle(obj, include, exclude)
            if metadata:
                md = dict(md, **metadata)
            self.publish(data, md, displayId, update)
        return DisplayHandle(self, displayId) if display_id else None

    def update_display(self, obj: object, *, display_id: Any, **kwargs: Any) -> None:
        self.display(obj, display_id=display_id, update=True, **kwargs)

    def publish_display_data(self, data: dict[str, Any], metadata: dict[str, Any] | None = None,
                             source: Any = None, *, transient: dict[str, Any] | None = None,
                             **kwargs: Any) -> None:
        displayId = (transient or {}).get("display_id")
        self.publish(data, metadata, displayId, bool(kwargs.get("update")))

    def publish(self, data: dict[str, Any], metadata: dict[str, Any] | None,
                displayId: Any, update: bool) -> None:
        """Send one bundle as a display, or as an update of display ``displayId``."""
        clean = {}
        for mime, value in data.items():
            value = normalise(str(mime), value)
            if value is not None:
                clean[str(mime)] = value
        event: dict[str, Any] = {"type": "update" if update else "display", "data": clean}
        md = _jsonable(dict(metadata or {}))
        if md:
            event["metadata"] = md
        if displayId:
            event["displayId"] = str(displayId)
        self.emit(event)

    def clear_output(self, wait: bool = False) -> None:
        """Clear the cell's outputs now, or (``wait``) when its next output arrives."""
        self.emit({"type": "clear", "wait": bool(wait)})

    def result(self, value: object) -> None:
        """The value of a cell's last expression (Jupyter's execute_result)."""
        if not isinstance(value, type) and callable(getattr(value, "_ipython_display_", None)):
            value._ipython_display_()  # type: ignore[attr-defined]
            return
        if self.sage is not None and self.sage(value, "result", {}):
            return
        data, md = self.bundle(value)
        event: dict[str, Any] = {"type": "result", "data": data}
        if md:
            event["metadata"] = md
        self.emit(event)

    # -- IPython -----------------------------------------------------------------------------

    def patchIPython(self, module: Any) -> None:
        """Rebind IPython's display functions in ``module`` to ours."""
        for name in PATCHED:
            if hasattr(module, name):
                setattr(module, name, getattr(self, name))

    def hookIPython(self) -> None:
        """Route IPython's display functions to us: now in IPython's display modules already
        imported (Sage imports IPython), else as they are."""
        patchModules("IPython", dict.fromkeys(
            (DISPLAY_FUNCTIONS, "IPython.core.display", "IPython.display"), self.patchIPython))


class PatchingFinder(importlib.abc.MetaPathFinder):
    """Finds the modules ``patches`` names as the other finders would, and calls each one's
    patch right after the module has run, before another module imports names from it."""

    def __init__(self, key: str, patches: dict[str, Callable[[Any], None]]) -> None:
        self.key, self.patches = key, patches

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        patch = self.patches.get(name)
        return None if patch is None else patchedSpec(name, path, patch)


def patchModules(key: str, patches: dict[str, Callable[[Any], None]]) -> None:
    """Each module ``patches`` names patched: now where it is imported already, else as it is
    imported (a ``PatchingFinder``, which replaces the one made before with the same ``key``)."""
    for name, patch in patches.items():
        if name in sys.modules:
            patch(sys.modules[name])
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not (isinstance(f, PatchingFinder) and f.key == key)]
    sys.meta_path.insert(0, PatchingFinder(key, patches))


def setNames(names: dict[str, Any]) -> Callable[[Any], None]:
    """A patch that sets ``names`` in a module, those it has."""
    def patch(module: Any) -> None:
        for name, value in names.items():
            if hasattr(module, name):
                setattr(module, name, value)

    return patch


def patchedSpec(name: str, path: Any, patch: Callable[[Any], None]) -> Any:
    """The spec the path finder makes for module ``name``, whose loader calls ``patch(module)``
    right after the module has run (None where the path finder finds nothing)."""
    spec = importlib.machinery.PathFinder.find_spec(name, path)
    if spec is None or spec.loader is None:
        return None
    spec.loader = _PatchingLoader(spec.loader, patch)
    return spec


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: Any, patch: Callable[[Any], None]) -> None:
        self.loader = loader
        self.patch = patch

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        self.patch(module)

    def __getattr__(self, name: str) -> Any:  # get_source and friends, for tracebacks
        return getattr(self.loader, name)


def hasRichRepr(obj: object) -> bool:
    """Whether ``obj`` offers a form of its own beyond text (a ``_repr_*_`` method)."""
    if isinstance(obj, type):
        return False
    names = ("_repr_mimebundle_", "_ipython_display_") + tuple(m for m, _ in REPR_METHODS)
    return any(callable(getattr(obj, name, None)) for name in names)
