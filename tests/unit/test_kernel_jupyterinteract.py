"""Jupyter's interact made this notebook's (athena_nb.kernel.jupyterinteract): Jupyter's
abbreviations, ipywidgets' widget objects read for their range, value and options, ``fixed``
and ``interact_manual``; in-process, with a stand-in for ``Interacts.interact``."""

from __future__ import annotations

import pytest

from athena_nb.kernel import controls
from athena_nb.kernel.jupyterinteract import InteractError, controlFor, jupyterInteract

widgets = pytest.importorskip("ipywidgets")


def positions(control):
    """A slider's values by position (its steps), and where it starts."""
    return [control.steps[i] for i in range(control.steps.count)], control.initial()


def test_jupyters_abbreviations_make_jupyters_controls():
    values, start = positions(controlFor(10))  # -n to 3n, starting at n
    assert (values[0], values[-1], values[start]) == (-10, 30, 10)
    values, start = positions(controlFor(0.5))
    assert (values[0], values[-1], round(values[1] - values[0], 9), values[start]) == (
        -0.5, 1.5, 0.1, 0.5)
    values, start = positions(controlFor((0, 10)))  # from the middle
    assert (values[0], values[-1], values[start]) == (0, 10, 5)
    values, start = positions(controlFor((0, 10), default=3))  # the function's default
    assert values[start] == 3
    values, _ = positions(controlFor((0, 10, 2)))
    assert values == [0, 2, 4, 6, 8, 10]
    assert positions(controlFor((0.0, 1.0)))[0][5] == pytest.approx(0.5)
    text = controlFor("hello")
    assert isinstance(text, controls.input_box) and text.type is str and text.initial() == "hello"
    assert isinstance(controlFor(True), controls.checkbox) and controlFor(False).initial() is False
    dropdown = controlFor({"one": 1, "two": 2})
    assert (dropdown.labels, dropdown.values, dropdown.buttons) == (["one", "two"], [1, 2], False)
    assert controlFor(["a", "b"], default="b").initial() == 1
    assert controlFor([("Red", "r"), ("Blue", "b")]).values == ["r", "b"]
    with pytest.raises(InteractError, match="makes no control of None"):
        controlFor(None)


def test_widget_objects_are_read_for_what_they_say():
    slider = controlFor(widgets.IntSlider(min=1, max=5, value=3, description="n"))
    assert positions(slider) == ([1, 2, 3, 4, 5], 2) and slider.label == "n"
    floats = controlFor(widgets.FloatSlider(min=0, max=1, step=0.25, value=0.5))
    assert positions(floats) == ([0, 0.25, 0.5, 0.75, 1], 2) and floats.label is None
    both = controlFor(widgets.IntRangeSlider(min=0, max=4, value=(1, 3)))
    assert isinstance(both, controls.range_slider) and both.initial() == [1, 3]
    choice = controlFor(widgets.ToggleButtons(options={"Red": "r", "Blue": "b"}, value="b"))
    assert (choice.labels, choice.values, choice.initial(), choice.buttons) == (
        ["Red", "Blue"], ["r", "b"], 1, True)
    assert controlFor(widgets.Checkbox(value=True, description="loud")).label == "loud"
    assert controlFor(widgets.Textarea(value="x")).height == 4
    assert controlFor(widgets.IntText(value=7)).type is int
    assert isinstance(controlFor(widgets.ColorPicker(value="#ff0000")), controls.color_selector)
    with pytest.raises(InteractError, match="no control like ipywidgets' DatePicker"):
        controlFor(widgets.DatePicker())


class Made:
    """Stands in for ``Interacts.make``: records what it was asked to make."""

    def __init__(self):
        self.calls = []

    def __call__(self, function, made, layout=None, auto=True, first=True):
        self.calls.append((function, auto, dict(made)))
        self.first = first


def test_interact_as_jupyter_calls_it_with_fixed_and_manual():
    made = Made()
    interact = jupyterInteract(made, manual=False)

    def f(x, word="ab", unit="m", n=4):
        return (x, word, unit, n)

    assert interact(f, x=(0, 10), unit=widgets.fixed("cm")) is f  # Jupyter returns f
    target, auto, controlled = made.calls[-1]
    assert auto is True and sorted(controlled) == ["n", "word", "x"]
    assert target(x=1, word="w", n=2) == (1, "w", "cm", 2)  # fixed: no control, given
    positions_, start = positions(controlled["n"])
    assert (positions_[0], positions_[-1], positions_[start]) == (-4, 12, 4)

    @interact(x=True)
    def g(x):
        return x

    assert made.calls[-1][0] is g and isinstance(made.calls[-1][2]["x"], controls.checkbox)
    manual = jupyterInteract(made, manual=True)
    manual(g, x=(1, 3))
    assert made.calls[-1][1] is False and made.first is False  # its button runs it, first too
    with pytest.raises(InteractError, match="needs a value or a widget for x"):
        interact(lambda x: x)
    # Names our own interact takes for itself are arguments like any other here; a function's
    # **kwargs takes more controls, fixed ones too; a default a slider cannot start at is
    # left out, as Jupyter leaves it.

    def h(auto_update, layout="grid", a="x", **more):
        return (auto_update, layout, a, more)

    interact(h, auto_update=True, a=(0, 10), b=widgets.fixed(2), c=3)
    target, auto, controlled = made.calls[-1]
    assert auto is True and sorted(controlled) == ["a", "auto_update", "c", "layout"]
    assert positions(controlled["a"])[0][positions(controlled["a"])[1]] == 5
    assert target(auto_update=False, layout="row", a=1, c=4) == (
        False, "row", 1, {"b": 2, "c": 4})
