"""ipywidgets' ``interact`` in the kernel worker: code written for Jupyter
(``from ipywidgets import interact``, ``@interact(x=(0, 10))``, ``interact_manual``,
``fixed``, ``widgets.IntSlider(...)``) makes this notebook's interact (interact.py), whose
controls every person on the worksheet sees and moves; ipywidgets' own widgets need Jupyter's
front end and its comms, which the notebook does not have.

Tests: tests/unit/test_kernel_jupyterinteract.py, tests/integration/test_kernel_interact.py.
Design: docs/notebook.md, "Interacts".

Stdlib only, like ``worker.py``, which loads this file by its path. ipywidgets itself stays
the person's: where it is installed, its ``interact`` and ``interact_manual`` are replaced by
ours as it is imported (``hook``); its widget objects are read for what they say (range, step,
value, options, description), never displayed.

The abbreviations are Jupyter's, not the Sage Notebook's (``@interact`` from the worksheet's
namespace keeps those): a number ``n`` is a slider from ``-n`` to ``3n``, ``(min, max[,
step])`` a slider starting in the middle, text a text box, True or False a checkbox, a list
or a dict a dropdown, ``fixed(v)`` no control at all.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any

if __package__:
    from . import controls, richoutput
else:  # loaded by path (worker.py loads its siblings first, under these names)
    controls = sys.modules["_athena_nb_controls"]
    richoutput = sys.modules["_athena_nb_richoutput"]

InteractError = controls.InteractError
#: The modules of ipywidgets whose ``interact`` names become ours.
MODULES = ("ipywidgets", "ipywidgets.widgets", "ipywidgets.widgets.interaction")
#: A float slider's step when Jupyter's abbreviation gives none (FloatSlider's own).
FLOAT_STEP = 0.1
_EMPTY = inspect.Parameter.empty


def _kinds(value: Any) -> set[str]:
    """The class names of an ipywidgets object (its class's and its bases'); empty for
    anything else."""
    if not type(value).__module__.startswith("ipywidgets"):
        return set()
    return {c.__name__ for c in type(value).__mro__}


def isFixed(value: Any) -> bool:
    return "fixed" in _kinds(value)


def _range(value: Real) -> tuple[Real, Real]:
    """Jupyter's range for a number alone: -n to 3n (0 to 1 for 0)."""
    if value == 0:
        return value, value + 1
    return (-value, 3 * value) if value > 0 else (3 * value, -value)


def _middle(low: Real, high: Real, whole: bool) -> Real:
    return low + (high - low) // 2 if whole else low + (high - low) / 2


def _options(options: Any) -> list[tuple[Any, str]]:
    """(value, label) pairs of a dropdown's options: a dict (label: value), (label, value)
    pairs, or values (labelled by their text)."""
    if isinstance(options, Mapping):
        return [(v, str(k)) for k, v in options.items()]
    pairs = []
    for option in options:
        if isinstance(option, tuple) and len(option) == 2 and isinstance(option[0], str):
            pairs.append((option[1], option[0]))
        else:
            pairs.append((option, str(option)))
    return pairs


def _widget(w: Any, kinds: set[str]) -> Any:
    """Our control for an ipywidgets widget object."""
    label = getattr(w, "description", "") or None
    if kinds & {"IntRangeSlider", "FloatRangeSlider"}:
        return controls.range_slider(w.min, w.max, w.step, default=tuple(w.value), label=label)
    if kinds & {"IntSlider", "FloatSlider"}:
        return controls.slider(w.min, w.max, w.step, default=w.value, label=label,
                               display_value=bool(getattr(w, "readout", True)))
    if kinds & {"SelectionSlider"}:
        pairs = _options(w.options)
        return controls.slider([v for v, _ in pairs], default=w.value, label=label)
    if kinds & {"Checkbox", "ToggleButton"}:
        return controls.checkbox(bool(w.value), label=label)
    if kinds & {"Dropdown", "RadioButtons", "ToggleButtons", "Select"}:
        return controls.selector(_options(w.options), label=label, default=w.value,
                                 buttons=bool(kinds & {"RadioButtons", "ToggleButtons"}))
    if kinds & {"Textarea"}:
        return controls.input_box(w.value, label=label, type=str, height=4)
    if kinds & {"Text", "Password", "Combobox"}:
        return controls.input_box(w.value, label=label, type=str)
    if kinds & {"IntText", "BoundedIntText"}:
        return controls.input_box(w.value, label=label, type=int)
    if kinds & {"FloatText", "BoundedFloatText"}:
        return controls.input_box(w.value, label=label, type=float)
    if kinds & {"ColorPicker"}:
        return controls.color_selector(w.value, label=label)
    raise InteractError("This notebook's interact has no control like ipywidgets' %s: use a "
                        "slider, a checkbox, a dropdown, buttons, a text box or a colour "
                        "picker." % type(w).__name__)


def controlFor(abbreviation: Any, default: Any = _EMPTY) -> Any:
    """Our control for what Jupyter's ``interact`` is given for an argument: one of our
    controls, an ipywidgets widget, or an abbreviation (``default``: the function's own
    default, where the slider or the dropdown it names should start)."""
    if isinstance(abbreviation, controls.Control):
        return abbreviation
    kinds = _kinds(abbreviation)
    if kinds:
        return _widget(abbreviation, kinds)
    start = None if default is _EMPTY else default
    if isinstance(abbreviation, str):
        return controls.input_box(abbreviation, type=str)
    if isinstance(abbreviation, bool):
        return controls.checkbox(abbreviation)
    if isinstance(abbreviation, Real):
        whole = isinstance(abbreviation, Integral)
        low, high = _range(abbreviation)
        return controls.slider(low, high, 1 if whole else FLOAT_STEP, default=abbreviation)
    if (isinstance(abbreviation, tuple) and len(abbreviation) in (2, 3)
            and all(isinstance(v, Real) and not isinstance(v, bool) for v in abbreviation)):
        whole = all(isinstance(v, Integral) for v in abbreviation)
        low, high = abbreviation[0], abbreviation[1]
        step = abbreviation[2] if len(abbreviation) == 3 else (1 if whole else FLOAT_STEP)
        if isinstance(start, Real) and not isinstance(start, bool):
            return controls.slider(low, high, step, default=start)
        return controls.slider(low, high, step, default=_middle(low, high, whole))  # as Jupyter
        # does, a default it cannot set is left out
    if isinstance(abbreviation, (list, tuple, Mapping)) or hasattr(abbreviation, "__iter__"):
        pairs = _options(abbreviation)
        return controls.selector(pairs, default=start)
    raise InteractError("Jupyter's interact makes no control of %r: give a number, (min, "
                        "max[, step]), text, True or False, a list, or a widget." % (
                            abbreviation,))


def _bound(function: Callable[..., Any], fixed: dict[str, Any]) -> Callable[..., Any]:
    """``function`` with its ``fixed`` arguments given."""
    def bound(**kwargs: Any) -> Any:
        return function(**kwargs, **fixed)

    for name in ("__name__", "__qualname__", "__doc__", "__module__"):
        if hasattr(function, name):
            setattr(bound, name, getattr(function, name))
    return bound


def jupyterInteract(make: Callable[..., Any], manual: bool) -> Callable[..., Any]:
    """Jupyter's ``interact`` (``manual``: ``interact_manual``, with a button that runs the
    function), made with ``make``, our ``Interacts.make``. It returns the function, as
    Jupyter's does."""

    def interact(__interact_f: Any = None, **kwargs: Any) -> Any:
        if __interact_f is None:
            return lambda function: interact(function, **kwargs)
        function = __interact_f
        try:
            parameters = [p for p in inspect.signature(function).parameters.values()
                          if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        except (TypeError, ValueError):
            parameters = []
        fixed: dict[str, Any] = {}
        controlled: dict[str, Any] = {}
        for p in parameters:
            given = kwargs.pop(p.name, _EMPTY)
            abbreviation = p.default if given is _EMPTY else given
            if abbreviation is _EMPTY:
                raise InteractError("Jupyter's interact needs a value or a widget for %s (as "
                                    "a keyword argument or its default)." % p.name)
            if isFixed(abbreviation):
                fixed[p.name] = abbreviation.value
            else:
                controlled[p.name] = controlFor(
                    abbreviation, p.default if given is not _EMPTY else _EMPTY)
        for name, abbreviation in kwargs.items():  # for a function's **kwargs
            if isFixed(abbreviation):
                fixed[name] = abbreviation.value
            else:
                controlled[name] = controlFor(abbreviation)
        make(_bound(function, fixed) if fixed else function, list(controlled.items()),
             auto=not manual, first=not manual)  # interact_manual waits for its button
        return function

    interact.__doc__ = ("Jupyter's interact%s: each argument (or keyword) becomes a control of "
                        "this notebook's interact (see help(interact) in a worksheet)."
                        % ("_manual" if manual else ""))
    return interact


def names(make: Callable[..., Any]) -> dict[str, Any]:
    """What ipywidgets' modules get: ``interact`` and ``interact_manual`` made with ``make``
    (``Interacts.make``: a function and its controls by name)."""
    return {"interact": jupyterInteract(make, manual=False),
            "interact_manual": jupyterInteract(make, manual=True)}


def hook(make: Callable[..., Any]) -> None:
    """Jupyter's interact names made ours: now in ipywidgets' modules already loaded, and in
    those imported later."""
    richoutput.patchModules("ipywidgets", dict.fromkeys(MODULES, richoutput.setNames(names(make))))
