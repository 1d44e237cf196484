"""The controls of ``@interact`` in the kernel worker: Sage's ``slider``, ``range_slider``,
``selector``, ``checkbox``, ``input_box``, ``input_grid``, ``color_selector``,
``text_control``, and ``Color``.

Tests: tests/unit/test_kernel_interact.py.  Design: docs/notebook.md, "Interacts".

Stdlib only, like ``worker.py``, which loads this file by its path (it runs under any Python
3.9+, where athena_nb may not be installed); ``interact.py`` uses it.

A control has a *wire value*, the JSON that travels between the browser, the server and here
(an index, a pair of indices, a boolean, text, rows of text, ``"#rrggbb"``), and turns it into
the value the interact's function gets (``value``), with the types the control was made with:
``slider(0, 10)`` gives Sage Integers in Sage and ints in Python.  ``spec()`` is what the
browser needs to draw it.  ``control(default)`` picks a control for a function's default
argument as the Sage Notebook did.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: A slider made from a list or generator takes at most this many values (as SageNB did).
MAX_VALUES = 10000
#: Sliders with at most this many positions send each position's label; longer ones send
#: their start, step and decimals, and the browser writes the labels.
MAX_LABELS = 1000
#: A list default with at most this many values becomes buttons, a longer one a dropdown.
MAX_BUTTONS = 5
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
#: Colour names ``Color`` knows (Sage knows many more; in Sage worksheets Sage's is used).
NAMES = {"black": (0, 0, 0), "white": (1, 1, 1), "red": (1, 0, 0), "green": (0, 0.5, 0),
         "lime": (0, 1, 0), "blue": (0, 0, 1), "yellow": (1, 1, 0), "cyan": (0, 1, 1),
         "magenta": (1, 0, 1), "orange": (1, 0.647, 0), "purple": (0.5, 0, 0.5),
         "gray": (0.5, 0.5, 0.5), "grey": (0.5, 0.5, 0.5), "brown": (0.647, 0.165, 0.165),
         "pink": (1, 0.753, 0.796), "navy": (0, 0, 0.5)}


class InteractError(ValueError):
    """A control or an interact that cannot be made; the message says why, for the user."""


class Color:
    """A colour: ``Color(r, g, b)`` with each part from 0 to 1, ``Color((r, g, b))``,
    ``Color("#ff8800")`` or ``Color("red")``.  In Sage worksheets ``Color`` is Sage's own."""

    def __init__(self, r: Any = "#0000ff", g: Any = None, b: Any = None) -> None:
        if g is not None and b is not None:
            parts: Any = (r, g, b)
        elif isinstance(r, str):
            name = r.strip().lower()
            if _HEX.fullmatch(name):
                parts = tuple(int(name[i:i + 2], 16) / 255 for i in (1, 3, 5))
            elif name in NAMES:
                parts = NAMES[name]
            else:
                raise ValueError("%r is no colour: give '#rrggbb', a name such as 'red', or "
                                 "three numbers from 0 to 1." % r)
        elif hasattr(r, "rgb"):
            parts = r.rgb()
        else:
            parts = tuple(r)
        if len(parts) != 3:
            raise ValueError("A colour has three parts (red, green, blue), not %d." % len(parts))
        self._rgb = tuple(min(1.0, max(0.0, float(p))) for p in parts)

    def rgb(self) -> tuple:
        return self._rgb

    def html_color(self) -> str:
        return "#" + "".join("%02x" % round(p * 255) for p in self._rgb)

    def __iter__(self) -> Iterator[float]:
        return iter(self._rgb)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Color) and other._rgb == self._rgb

    def __hash__(self) -> int:
        return hash(self._rgb)

    def __repr__(self) -> str:
        return "RGB color (%r, %r, %r)" % self._rgb


def hexColor(colour: Any) -> str:
    """``"#rrggbb"`` of our Color, Sage's, a name, a hex string or (r, g, b) from 0 to 1."""
    if hasattr(colour, "html_color"):
        return str(colour.html_color()).lower()
    return Color(colour).html_color()


def newColor(hexText: str) -> Any:
    """A colour the function gets: Sage's ``Color`` where Sage is loaded, else ours."""
    colors = sys.modules.get("sage.plot.colors")
    return colors.Color(hexText) if colors is not None else Color(hexText)


class Control:
    """One control of an interact (the base of the Sage Notebook's control functions)."""

    kind = ""

    def __init__(self, label: Any = None) -> None:
        self.label = None if label is None else str(label)

    def spec(self) -> dict[str, Any]:
        """What the browser needs to draw the control, besides its name and label."""
        return {}

    def initial(self) -> Any:
        """The wire value of the control's default."""
        return None

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        """The value the function gets for ``wire``; ``evaluate(text)`` runs an expression."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return "%s(label=%r)" % (type(self).__name__, self.label)


class _Steps:
    """The positions of a slider: a list of values, or ``start + k * step`` for k < n."""

    def __init__(self, values: list | None = None, start: Any = None, step: Any = None,
                 count: int = 0) -> None:
        self.values, self.start, self.step = values, start, step
        self.count = len(values) if values is not None else count
        if self.count < 1:
            raise InteractError("A slider needs at least one value.")

    def __getitem__(self, k: int) -> Any:
        if self.values is not None:
            return self.values[k]
        value = self.start + k * self.step
        return round(value, self.digits() + 2) if isinstance(value, float) else value

    def digits(self) -> int:
        return max(_decimals(self.start), _decimals(self.step))

    def nearest(self, value: Any) -> int:
        if self.values is not None:
            for k, v in enumerate(self.values):
                try:
                    if v is value or v == value:
                        return k
                except Exception:
                    continue
            try:
                return min(range(self.count), key=lambda k: abs(float(self.values[k] - value)))
            except Exception:
                return 0
        return max(0, min(self.count - 1, round(float((value - self.start) / self.step))))

    def spec(self) -> dict[str, Any]:
        if self.count <= MAX_LABELS or self.values is not None:
            return {"n": self.count, "labels": [_label(self[k]) for k in range(self.count)]}
        return {"n": self.count, "start": float(self.start), "step": float(self.step),
                "digits": self.digits()}


def _decimals(number: Any) -> int:
    text = repr(float(number))
    return 0 if "e" in text or text.endswith(".0") else min(10, len(text.split(".")[1]))


def _isFloat(value: Any) -> bool:
    return isinstance(value, float) or type(value).__name__ in ("RealNumber",
                                                               "RealDoubleElement")


def _label(value: Any) -> str:
    if _isFloat(value):
        return ("%.10f" % float(value)).rstrip("0").rstrip(".") or "0"
    return str(value)


def _steps(vmin: Any, vmax: Any, step: Any, what: str) -> _Steps:
    if isinstance(vmin, (Iterable, Iterator)) and not isinstance(vmin, str):
        if vmax is not None or step is not None:
            raise InteractError("A %s over a list of values takes no largest value or step."
                                % what)
        if isinstance(vmin, range):
            return _Steps(start=vmin.start, step=vmin.step, count=len(vmin))
        values = []
        for value in vmin:
            if len(values) == MAX_VALUES:
                break
            values.append(value)
        return _Steps(values)
    if vmax is None:
        raise InteractError("A %s needs its smallest and largest values, as in %s(0, 10)."
                            % (what, what))
    if step is None:
        whole = all(isinstance(v, int) or type(v).__name__ == "Integer" for v in (vmin, vmax))
        step = 1 if whole else (vmax - vmin) / 100
    if not float(step) > 0:
        raise InteractError("A %s's step must be greater than 0, not %s." % (what, step))
    if float(vmax) < float(vmin):
        raise InteractError("A %s's largest value %s is below its smallest %s."
                            % (what, vmax, vmin))
    count = int(math.floor(float((vmax - vmin) / step) + 1e-9)) + 1
    return _Steps(start=vmin, step=step, count=count)


class slider(Control):  # noqa: N801 - Sage's name
    """A slider over ``vmin`` to ``vmax`` by ``step_size``, or over a list of values:
    ``slider(0, 10)``, ``slider(0, 1, 0.05, default=0.5)``, ``slider([1, 2, 4, 8])``."""

    kind = "slider"

    def __init__(self, vmin: Any, vmax: Any = None, step_size: Any = None, default: Any = None,
                 label: Any = None, display_value: bool = True) -> None:
        super().__init__(label)
        self.steps = _steps(vmin, vmax, step_size, self.kind)
        self.readout = bool(display_value)
        self.default = 0 if default is None else self.steps.nearest(default)

    def spec(self) -> dict[str, Any]:
        return dict(self.steps.spec(), readout=self.readout)

    def initial(self) -> Any:
        return self.default

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        return self.steps[self._index(wire)]

    def _index(self, wire: Any) -> int:
        if type(wire) is not int or not 0 <= wire < self.steps.count:
            raise InteractError("a position from 0 to %d was expected, not %r"
                                % (self.steps.count - 1, wire))
        return wire


class range_slider(slider):  # noqa: N801 - Sage's name
    """A slider with two ends; the function gets ``(low, high)``."""

    kind = "range_slider"

    def __init__(self, vmin: Any, vmax: Any = None, step_size: Any = None, default: Any = None,
                 label: Any = None, display_value: bool = True) -> None:
        super().__init__(vmin, vmax, step_size, None, label, display_value)
        if default is None:
            self.default = [0, self.steps.count - 1]
        else:
            low, high = default
            self.default = sorted([self.steps.nearest(low), self.steps.nearest(high)])

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        if not isinstance(wire, list) or len(wire) != 2:
            raise InteractError("two positions were expected, not %r" % (wire,))
        low, high = sorted(self._index(w) for w in wire)
        return (self.steps[low], self.steps[high])


class checkbox(Control):  # noqa: N801 - Sage's name
    """A checkbox; the function gets True or False."""

    kind = "checkbox"

    def __init__(self, default: Any = True, label: Any = None) -> None:
        super().__init__(label)
        self.default = bool(default)

    def initial(self) -> Any:
        return self.default

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        if not isinstance(wire, bool):
            raise InteractError("true or false was expected, not %r" % (wire,))
        return wire


class selector(Control):  # noqa: N801 - Sage's name
    """One of ``values`` (or of ``(value, label)`` pairs), as buttons or a dropdown."""

    kind = "selector"

    def __init__(self, values: Any, label: Any = None, default: Any = None, nrows: Any = None,
                 ncols: Any = None, width: Any = None, buttons: bool = False) -> None:
        super().__init__(label)
        values = list(values)
        if not values:
            raise InteractError("A selector needs at least one value to choose from.")
        if isinstance(values[0], tuple) and len(values[0]) == 2:
            self.values = [v for v, _ in values]
            self.labels = [str(lbl) for _, lbl in values]
        else:
            self.values, self.labels = values, [_label(v) for v in values]
        self.buttons = bool(buttons or nrows or ncols)
        self.ncols = int(ncols) if ncols else None
        self.default = 0 if default is None else _Steps(self.values).nearest(default)

    def spec(self) -> dict[str, Any]:
        return {"labels": self.labels, "buttons": self.buttons, "ncols": self.ncols}

    def initial(self) -> Any:
        return self.default

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        if type(wire) is not int or not 0 <= wire < len(self.values):
            raise InteractError("a choice from 0 to %d was expected, not %r"
                                % (len(self.values) - 1, wire))
        return self.values[wire]


class input_box(Control):  # noqa: N801 - Sage's name
    """A text box.  Its text is evaluated (preparsed in Sage), then given to ``type`` if
    that is given; with ``type=str`` the function gets the text itself."""

    kind = "input_box"

    def __init__(self, default: Any = None, label: Any = None, type: Any = None,  # noqa: A002
                 width: int = 80, height: int = 1) -> None:
        super().__init__(label)
        self.default = "" if default is None else str(default)
        self.type = type
        self.width, self.height = max(1, int(width)), max(1, int(height))

    def spec(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height}

    def initial(self) -> Any:
        return self.default

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        if not isinstance(wire, str):
            raise InteractError("text was expected, not %r" % (wire,))
        if self.type is str:
            return wire
        value = evaluate(wire) if wire.strip() else None
        return value if self.type is None else self.type(value)


class input_grid(Control):  # noqa: N801 - Sage's name
    """A grid of text boxes, each evaluated; the function gets the rows (a list of lists),
    or ``to_value(rows)`` (``to_value=matrix`` gives a matrix)."""

    kind = "input_grid"

    def __init__(self, nrows: int, ncols: int, default: Any = None, label: Any = None,
                 to_value: Any = None, width: int = 4) -> None:
        super().__init__(label)
        self.rows, self.cols = int(nrows), int(ncols)
        if self.rows < 1 or self.cols < 1:
            raise InteractError("An input grid needs at least one row and one column.")
        if not isinstance(default, list):
            default = [[default] * self.cols for _ in range(self.rows)]
        elif not all(isinstance(row, list) for row in default):
            default = [default[i * self.cols:(i + 1) * self.cols] for i in range(self.rows)]
        try:
            self.default = [["" if default[i][j] is None else str(default[i][j])
                             for j in range(self.cols)] for i in range(self.rows)]
        except IndexError:
            raise InteractError("An input grid's default needs %d rows of %d values."
                                % (self.rows, self.cols)) from None
        self.toValue, self.width = to_value, max(1, int(width))

    def spec(self) -> dict[str, Any]:
        return {"rows": self.rows, "cols": self.cols, "width": self.width}

    def initial(self) -> Any:
        return self.default

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        if (not isinstance(wire, list) or len(wire) != self.rows
                or any(not isinstance(r, list) or len(r) != self.cols for r in wire)):
            raise InteractError("%d rows of %d entries were expected" % (self.rows, self.cols))
        rows = [[evaluate(text) if str(text).strip() else None for text in row] for row in wire]
        return rows if self.toValue is None else self.toValue(rows)


class color_selector(Control):  # noqa: N801 - Sage's name
    """A colour picker; the function gets a ``Color``."""

    kind = "color_selector"

    def __init__(self, default: Any = (0, 0, 1), label: Any = None, widget: Any = None,
                 hide_box: bool = False) -> None:
        super().__init__(label)
        self.default = hexColor(default)
        self.hideBox = bool(hide_box)

    def spec(self) -> dict[str, Any]:
        return {"hideBox": self.hideBox}

    def initial(self) -> Any:
        return self.default

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        if not isinstance(wire, str) or not _HEX.fullmatch(wire):
            raise InteractError("a colour as #rrggbb was expected, not %r" % (wire,))
        return newColor(wire.lower())


class text_control(Control):  # noqa: N801 - Sage's name
    """Text among the controls (Markdown and HTML, with $maths$); the function gets it."""

    kind = "text"

    def __init__(self, value: Any = "", label: Any = None) -> None:
        super().__init__(label)
        self.text = str(value)

    def spec(self) -> dict[str, Any]:
        return {"text": self.text}

    def value(self, wire: Any, evaluate: Callable[[str], Any]) -> Any:
        return self.text


def _isMatrix(value: Any) -> bool:
    return all(callable(getattr(value, name, None)) for name in ("nrows", "ncols", "list",
                                                                 "parent"))


def _isColor(value: Any) -> bool:
    return isinstance(value, Color) or (type(value).__name__ == "Color"
                                        and callable(getattr(value, "html_color", None)))


def _isNumber(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError, ArithmeticError):
        return False
    return not isinstance(value, (str, bool))


def control(default: Any) -> Control:
    """The control a default argument makes, as the Sage Notebook chose: a control as it is;
    text: a text box; True or False: a checkbox; a list: buttons (or a dropdown when long); a
    range, a generator or a tuple of two or three numbers ``(min, max[, step])``: a slider;
    another tuple: a slider over its values; a colour: a colour picker; a matrix: a grid;
    anything else (a number, an expression): a text box holding it, evaluated.
    ``("label", default)`` labels the control, ``(default, values)`` starts it at default."""
    label, start = None, None
    for _ in range(2):
        if isinstance(default, tuple) and len(default) == 2 and isinstance(default[0], str):
            label, default = default
        if (isinstance(default, tuple) and len(default) == 2
                and isinstance(default[1], (list, tuple, range, Iterator))):
            start, default = default
    if isinstance(default, Control):
        if label is not None:
            default.label = label
        return default
    if isinstance(default, str):
        return input_box(default, label=label, type=str)
    if isinstance(default, bool):
        return checkbox(default, label=label)
    if isinstance(default, list):
        return selector(default, label=label, default=start,
                        buttons=len(default) <= MAX_BUTTONS)
    if isinstance(default, (range, Iterator)):
        return slider(default, default=start, label=label)
    if _isColor(default):
        return color_selector(default, label=label)
    if isinstance(default, tuple):
        if len(default) in (2, 3) and all(_isNumber(v) for v in default):
            return slider(*default, default=start, label=label)
        return slider(list(default), default=start, label=label)
    if _isMatrix(default):
        return input_grid(default.nrows(), default.ncols(), default=default.list(),
                          label=label, to_value=default.parent())
    return input_box(default, label=label)


#: What a worksheet's namespace gets (``Color`` only where Sage's is not there).
CONTROLS = {"slider": slider, "range_slider": range_slider, "selector": selector,
            "checkbox": checkbox, "input_box": input_box, "input_grid": input_grid,
            "color_selector": color_selector, "text_control": text_control}
