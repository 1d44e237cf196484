"""``@interact`` in the kernel worker: the Sage Notebook's interact API, in Sage and Python
worksheets, and running an interact's function again with new values.

Tests: tests/unit/test_kernel_interact.py, tests/integration/test_kernel_interact.py.
Design: docs/notebook.md, "Interacts".

Stdlib only, like ``worker.py``, which loads this file (and ``controls.py``, the controls) by
its path; it runs under any Python 3.9+, where athena_nb may not be installed.

``@interact`` on a function makes a control of each of its arguments (``controls.control``
picks one for a default value) and sends one output event of the running cell::

    {"type": "interact", "id", "session", "name", "controls": [...], "layout": {...},
     "auto": bool, "first": bool, "values": {name: wire value}}

It does not call the function: the server asks the worker to run it (``op_interact``, handled
by ``Interacts.run``) with the controls' wire values, first right after the cell, then whenever
someone changes a control (or presses Update, for ``auto_update=False``; ``first`` False: not
before that, as Jupyter's ``interact_manual``), and shows what it
prints and displays in the interact's own output area.  ``session`` names this worker, so the
server knows an interact's function is gone once its kernel is not this one any more; a cell
that runs again replaces the interacts it made before (``forget``).
"""

from __future__ import annotations

import binascii
import inspect
import itertools
import os
import sys
from collections.abc import Callable
from typing import Any

if __package__:
    from . import controls, richoutput
else:  # loaded by path (worker.py loads its siblings first, under these names)
    controls = sys.modules["_athena_nb_controls"]
    richoutput = sys.modules["_athena_nb_richoutput"]

InteractError = controls.InteractError
#: Where a layout may put rows of controls, around the output.
SIDES = ("top", "bottom", "left", "right")
#: Sage's modules whose interact names become ours (Sage's use ipywidgets, which need Jupyter).
SAGE_MODULES = ("sage.repl.ipython_kernel.all_jupyter", "sage.repl.ipython_kernel.interact",
                "sage.repl.ipython_kernel.widgets_sagenb")


class InteractValueError(Exception):
    """A control's value could not be turned into the function's argument."""


def normaliseLayout(layout: Any, names: list[str]) -> dict[str, list[list[str]]]:
    """The layout as ``{side: rows of control names}``: ``None`` puts each control in a row
    of its own at the top; a list of rows is the top; a dict gives rows per side.  A side's
    rows are lists of names, or a name alone.  Controls the layout leaves out go at the top."""
    if layout is None:
        layout = {}
    elif isinstance(layout, (list, tuple)):
        layout = {"top": layout}
    if not isinstance(layout, dict):
        raise InteractError("A layout is a list of rows of control names, or a dict of such "
                            "lists for 'top', 'bottom', 'left' and 'right'.")
    placed: dict[str, list[list[str]]] = {}
    seen: set[str] = set()
    for side, rows in layout.items():
        if side not in SIDES:
            raise InteractError("A layout's sides are %s, not %r." % (", ".join(SIDES), side))
        for row in rows or ():
            row = [row] if isinstance(row, str) else list(row)
            for name in row:
                if name not in names:
                    raise InteractError("The layout names %r, which is no control of this "
                                        "interact (its controls: %s)." % (name, ", ".join(names)))
                if name in seen:
                    raise InteractError("The layout places %r twice." % name)
                seen.add(name)
            if row:
                placed.setdefault(side, []).append(row)
    missing = [[name] for name in names if name not in seen]
    if missing:
        placed["top"] = placed.get("top", []) + missing
    return placed


class Interact:
    """One ``@interact``: its function, its controls by argument name, its layout."""

    def __init__(self, iid: str, function: Callable[..., Any], controlled: list, layout: dict,
                 auto: bool, tag: Any, preparse: Callable[[str], str] | None,
                 first: bool = True) -> None:
        self.id, self.function, self.controls = iid, function, controlled
        self.layout, self.auto, self.tag, self.preparse = layout, auto, tag, preparse
        self.first = first

    def event(self, session: str) -> dict[str, Any]:
        specs = []
        for name, control in self.controls:
            spec = dict(control.spec(), name=name, kind=control.kind,
                        label=name if control.label is None else control.label)
            specs.append(spec)
        return {"type": "interact", "id": self.id, "session": session,
                "name": getattr(self.function, "__name__", "interact"), "controls": specs,
                "layout": self.layout, "auto": self.auto, "first": self.first,
                "values": {name: c.initial() for name, c in self.controls
                           if c.initial() is not None}}

    def arguments(self, values: dict[str, Any], evaluate: Callable[[str], Any]) -> dict:
        """The function's keyword arguments for the controls' wire ``values`` (a missing one
        takes the control's default)."""
        kwargs = {}
        for name, control in self.controls:
            wire = values.get(name, control.initial()) if isinstance(values, dict) else None
            try:
                kwargs[name] = control.value(wire, evaluate)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as e:
                shown = " %r" % wire if isinstance(wire, str) else ""
                reason = str(e) if isinstance(e, InteractError) else "%s: %s" % (
                    type(e).__name__, e)
                raise InteractValueError("The value of %s%s could not be used: %s."
                                         % (name, shown, reason)) from None
        return kwargs


class Interactive:
    """What ``@interact`` makes of a function: the function still (calling it calls it), which
    shows nothing as a cell's value, the interact being shown already (as in Jupyter)."""

    def __init__(self, function: Callable[..., Any], controlled: list) -> None:
        self.__wrapped__ = function
        self._names = [name for name, _ in controlled]
        for name in ("__name__", "__qualname__", "__doc__", "__module__"):
            if hasattr(function, name):
                setattr(self, name, getattr(function, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **kwargs)

    def _ipython_display_(self) -> None:
        pass

    def __repr__(self) -> str:
        return "Interactive function %s with controls %s" % (
            getattr(self.__wrapped__, "__name__", "?"), ", ".join(self._names) or "(none)")


class Interacts:
    """The interacts of one worker.  ``emit(event)`` sends an output event of the running
    request; ``evaluate(text, preparse)`` evaluates a control's text in the worksheet's
    namespace; ``call(function)`` runs user code as a cell does (its value shown, its errors
    reported) and returns "ok" or "error"."""

    def __init__(self, emit: Callable[[dict], None],
                 evaluate: Callable[[str, Callable[[str], str] | None], Any],
                 call: Callable[[Callable[[], Any]], str]) -> None:
        self.emit, self.evaluate, self.call = emit, evaluate, call
        self.session = binascii.hexlify(os.urandom(8)).decode("ascii")
        self.tag: Any = None  # the cell being run: its interacts replace its earlier ones
        self.preparse: Callable[[str], str] | None = None  # Sage's, in a Sage-mode cell
        self.running: Interact | None = None
        self._made: dict[str, Interact] = {}
        self._ids = itertools.count(1)

    def names(self, sage: bool = False) -> dict[str, Any]:
        """What the worksheet's namespace gets: ``interact``, the controls, and ``Color``
        (not in Sage, which has its own)."""
        names: dict[str, Any] = dict(controls.CONTROLS, interact=self.interact)
        if not sage:
            names["Color"] = controls.Color
        return names

    def forget(self, tag: Any) -> None:
        """The cell ``tag`` runs again: the interacts it made are gone."""
        self.tag = tag
        for iid in [i for i, made in self._made.items() if made.tag == tag]:
            del self._made[iid]

    def interact(self, f: Any = None, /, layout: Any = None, auto_update: bool = True,
                 **controlled: Any) -> Any:
        """Make ``f`` interactive: each argument becomes a control (its default says which:
        ``slider(...)``, ``range(...)`` or ``(min, max[, step])`` a slider, True/False a
        checkbox, a list buttons or a dropdown, text a text box, a ``Color`` a colour picker,
        a matrix a grid of text boxes), or a control given here by name.  Moving a control
        runs ``f`` again, for everyone on the worksheet.  ``auto_update=False`` (an argument of
        ``f`` or of ``interact``) adds an Update button and runs ``f`` only when it is pressed;
        ``layout`` places the controls: ``[["a", "b"], ["c"]]`` (rows at the top) or
        ``{"top": [...], "bottom": [...], "left": [...], "right": [...]}``.  Use it as
        ``@interact`` or ``@interact(layout=...)``; it returns ``f`` as an ``Interactive``
        (calling it calls ``f``; as a cell's value it shows nothing more)."""
        if f is None:
            return lambda function: self.interact(function, layout, auto_update, **controlled)
        if not callable(f):
            raise TypeError("@interact decorates a function, not %r." % (f,))
        if self.running is not None:
            raise InteractError("An interact cannot be made while another interact's function "
                                "runs; make it in a cell of its own.")
        try:
            parameters = inspect.signature(f).parameters
        except (TypeError, ValueError):
            parameters = {}  # type: ignore[assignment]
        auto = bool(auto_update)
        made: list = []
        for name, parameter in parameters.items():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if name == "auto_update":
                auto = auto and parameter.default is not False
                continue
            if parameter.kind is parameter.POSITIONAL_ONLY:
                raise InteractError("@interact gives arguments by name, so %s cannot be "
                                    "positional-only." % name)
            if name in controlled:
                made.append((name, controls.control(controlled.pop(name))))
            elif parameter.default is parameter.empty:
                made.append((name, controls.input_box(label=name)))
            else:
                made.append((name, controls.control(parameter.default)))
        takesMore = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        if controlled and not takesMore:
            raise InteractError("%s has no argument %s." % (
                getattr(f, "__name__", "The function"), ", ".join(sorted(controlled))))
        made += [(name, controls.control(c)) for name, c in controlled.items()]
        return self.make(f, made, layout, auto)

    def make(self, f: Callable[..., Any], made: list, layout: Any = None,
             auto: bool = True, first: bool = True) -> Interactive:
        """The interact of ``f`` with the controls ``made`` ([(argument name, control)]),
        shown; ``interact`` (and Jupyter's, jupyterinteract.py) decide the controls."""
        if self.running is not None:
            raise InteractError("An interact cannot be made while another interact's function "
                                "runs; make it in a cell of its own.")
        names = [name for name, _ in made]
        iid = "%s-%d" % (self.session, next(self._ids))
        one = Interact(iid, f, made, normaliseLayout(layout, names), auto, self.tag,
                       self.preparse, first)
        self._made[iid] = one
        self.emit(one.event(self.session))
        return Interactive(f, made)

    def run(self, iid: Any, values: Any) -> str:
        """Run interact ``iid``'s function with the controls' wire ``values``; "ok" or
        "error".  Interrupts propagate."""
        one = self._made.get(iid) if isinstance(iid, str) else None
        if one is None:
            return self._failed("InteractGone", "This interact is gone from the kernel (its "
                                "cell ran again, or the kernel restarted); run its cell again.")
        try:
            kwargs = one.arguments(values, lambda text: self.evaluate(text, one.preparse))
        except InteractValueError as e:
            return self._failed("ValueError", str(e))
        self.running = one
        try:
            return self.call(lambda: one.function(**kwargs))
        finally:
            self.running = None

    def _failed(self, name: str, text: str) -> str:
        self.emit({"type": "error", "ename": name, "evalue": text, "traceback": text})
        return "error"

    def hookSage(self) -> None:
        """Make Sage's own interact names (``sage.repl.ipython_kernel``'s, which the
        library's ready-made interacts import) ours: now where loaded, else when imported
        (before ``sage.interacts.library`` imports from them)."""
        richoutput.patchModules("sage interact", dict.fromkeys(
            SAGE_MODULES, richoutput.setNames(self.names(sage=True))))
