"""@interact in the worker, in-process: the controls a default makes, wire values turned into the
function's arguments, layouts, and running an interact (athena_nb.kernel.interact, controls)."""

import fractions

import pytest

from athena_nb.kernel import controls, worker
from athena_nb.kernel.controls import (
    Color,
    InteractError,
    checkbox,
    color_selector,
    control,
    input_box,
    input_grid,
    range_slider,
    selector,
    slider,
    text_control,
)
from athena_nb.kernel.interact import normaliseLayout
from tests.unit.test_kernel_worker import FakeChannel


def events(w):
    """Every event the worker made, whether it went out at once or waits for the done frame."""
    return [f["event"] for f in w.channel.sent if f.get("op") == "event"] + w.tail


@pytest.fixture
def w(tmp_path):
    return worker.Worker(FakeChannel(), "python", str(tmp_path), {})


def same(x):
    return eval(x)


# -- controls ---------------------------------------------------------------------------------


@pytest.mark.parametrize("default, kind", [
    (slider(0, 10), "slider"),
    (range(5), "slider"),
    ((0, 1), "slider"),
    ((0, 1, 0.25), "slider"),
    ((1, 2, 4, 8), "slider"),
    (iter([1, 2, 3]), "slider"),
    (True, "checkbox"),
    (checkbox(False), "checkbox"),
    ([1, 2, 3], "selector"),
    ("text", "input_box"),
    (42, "input_box"),
    (Color("red"), "color_selector"),
    (input_grid(2, 2), "input_grid"),
    (range_slider(0, 10), "range_slider"),
    (text_control("Hello"), "text"),
])
def test_a_default_makes_the_control_the_sage_notebook_made(default, kind):
    assert control(default).kind == kind


def test_a_short_list_is_buttons_and_a_long_one_a_dropdown():
    assert control([1, 2, 3]).buttons is True
    assert control(list(range(6))).buttons is False
    assert selector([1, 2], nrows=1).buttons is True


def test_labels_and_start_values_ride_in_tuples():
    labelled = control(("Size", (0, 10)))
    assert labelled.label == "Size" and labelled.kind == "slider"
    started = control((3, [1, 2, 3, 4]))
    assert started.initial() == 2 and started.labels == ["1", "2", "3", "4"]


def test_an_integer_slider_gives_ints_and_a_float_one_rounded_floats():
    s = slider(0, 10)
    assert s.spec()["labels"] == [str(k) for k in range(11)]
    assert s.value(3, same) == 3 and type(s.value(3, same)) is int
    f = slider(0, 1, 0.1, default=0.3)
    assert f.initial() == 3 and f.value(3, same) == 0.3
    assert f.spec()["labels"][:4] == ["0", "0.1", "0.2", "0.3"]
    assert slider(0.0, 1.0).steps.count == 101, "floats without a step: a hundred steps"


def test_a_slider_keeps_the_type_of_its_ends():
    s = slider(fractions.Fraction(0), fractions.Fraction(1), fractions.Fraction(1, 4))
    assert s.value(1, same) == fractions.Fraction(1, 4)
    assert s.spec()["labels"] == ["0", "1/4", "1/2", "3/4", "1"]


def test_a_huge_range_sends_its_steps_not_a_million_labels():
    spec = slider(range(0, 3_000_000, 3)).spec()
    assert spec == {"n": 1_000_000, "start": 0.0, "step": 3.0, "digits": 0, "readout": True}
    assert slider(range(0, 3_000_000, 3)).value(10, same) == 30


def test_a_slider_refuses_a_position_it_does_not_have():
    with pytest.raises(InteractError, match="from 0 to 10"):
        slider(0, 10).value(11, same)
    with pytest.raises(InteractError, match="from 0 to 10"):
        slider(0, 10).value(True, same)


@pytest.mark.parametrize("make, message", [
    (lambda: slider(5), "smallest and largest"),
    (lambda: slider(0, 10, 0), "greater than 0"),
    (lambda: slider(10, 0), "below its smallest"),
    (lambda: slider([1, 2], 3), "takes no largest value"),
    (lambda: selector([]), "at least one value"),
    (lambda: input_grid(0, 2), "at least one row"),
    (lambda: input_grid(2, 2, default=[[1], [2]]), "2 rows of 2 values"),
])
def test_a_control_that_cannot_be_made_says_why(make, message):
    with pytest.raises(InteractError, match=message):
        make()


def test_a_range_slider_gives_both_ends_in_order():
    r = range_slider(0, 100, 10, default=(20, 50))
    assert r.initial() == [2, 5]
    assert r.value([7, 3], same) == (30, 70)
    with pytest.raises(InteractError):
        r.value(3, same)


def test_a_selector_gives_the_value_and_shows_its_label():
    s = selector([(1, "one"), (2, "two")], default=2)
    assert s.initial() == 1 and s.labels == ["one", "two"] and s.value(0, same) == 1


def test_a_text_box_is_evaluated_unless_it_is_of_type_str():
    assert input_box(default=3).initial() == "3"
    assert input_box().value("2 + 3", same) == 5
    assert input_box().value("  ", same) is None
    assert input_box(type=str).value("2 + 3", same) == "2 + 3"
    assert input_box(type=float).value("1", same) == 1.0


def test_a_grid_is_evaluated_entry_by_entry_then_given_to_to_value():
    g = input_grid(2, 2, default=[1, 2, 3, 4], to_value=lambda rows: sum(map(sum, rows)))
    assert g.initial() == [["1", "2"], ["3", "4"]]
    assert g.value([["1", "2"], ["3", "x"]], lambda t: {"x": 10}.get(t) or eval(t)) == 16
    with pytest.raises(InteractError, match="2 rows of 2"):
        g.value([["1", "2"]], same)


def test_colours_parse_and_the_picker_gives_a_color():
    assert Color("#ff8000").rgb() == (1.0, 128 / 255, 0.0)
    assert Color(1, 0, 0) == Color("red") == Color((1, 0, 0))
    assert repr(Color("blue")) == "RGB color (0.0, 0.0, 1.0)"
    c = color_selector(default=(1, 0.5, 0))
    assert c.initial() == "#ff8000"
    assert c.value("#00FF00", same) == Color("lime")
    with pytest.raises(InteractError, match="#rrggbb"):
        c.value("green", same)
    with pytest.raises(ValueError, match="no colour"):
        Color("no such colour")


# -- layouts ----------------------------------------------------------------------------------


def test_a_layout_puts_rows_on_sides_and_the_rest_at_the_top():
    names = ["a", "b", "c", "d"]
    assert normaliseLayout(None, names) == {"top": [["a"], ["b"], ["c"], ["d"]]}
    assert normaliseLayout([["a", "b"], "c"], names) == {"top": [["a", "b"], ["c"], ["d"]]}
    assert normaliseLayout({"left": [["a"]], "bottom": ["b"]}, names) == {
        "left": [["a"]], "bottom": [["b"]], "top": [["c"], ["d"]]}


@pytest.mark.parametrize("layout, message", [
    ({"middle": [["a"]]}, "sides are"),
    ([["a", "z"]], "no control of this interact"),
    ([["a"], ["a"]], "twice"),
    ("a", "A layout is a list"),
])
def test_a_wrong_layout_says_what_is_wrong(layout, message):
    with pytest.raises(InteractError, match=message):
        normaliseLayout(layout, ["a", "b"])


# -- interacts in a worker --------------------------------------------------------------------


def made(w):
    return [e for e in events(w) if e["type"] == "interact"]


def run(w, iid, values):
    """Run an interact as the server asks for it; the events of that request."""
    w.channel.sent.clear()
    w.tail = []
    w.op_interact({"op": "interact", "id": 9, "interact": iid, "values": values})
    done = w.channel.sent[-1]
    assert done["op"] == "done"
    return done["status"], events(w) + done["events"]


def test_interact_sends_its_controls_and_the_worker_runs_it_with_new_values(w):
    assert w.runCell(
        "@interact\n"
        "def f(n=slider(1, 5, default=2), loud=True, word='hi', pick=['a', 'b'], c=Color('red')):\n"
        "    print(n, loud, word, pick, c)\n") == "ok"
    [event] = made(w)
    assert event["session"] == w.interacts.session and event["auto"] is True
    assert [c["name"] for c in event["controls"]] == ["n", "loud", "word", "pick", "c"]
    assert [c["kind"] for c in event["controls"]] == [
        "slider", "checkbox", "input_box", "selector", "color_selector"]
    assert event["values"] == {"n": 1, "loud": True, "word": "hi", "pick": 0, "c": "#ff0000"}
    assert event["layout"] == {"top": [["n"], ["loud"], ["word"], ["pick"], ["c"]]}
    status, shown = run(w, event["id"], {"n": 4, "loud": False, "word": "yo", "pick": 1,
                                         "c": "#0000ff"})
    assert status == "ok"
    assert "".join(e.get("text", "") for e in shown) == ""  # printed text goes to fd 1
    f = w.namespace["f"]
    assert f.__name__ == "f" and f(1, 2, 3, 4, 5) is None, "@interact returns the function"
    assert repr(f) == "Interactive function f with controls n, loud, word, pick, c"
    assert w.runCell("f") == "ok" and not [e for e in events(w) if e["type"] == "result"]


def test_an_interact_prints_and_shows_its_value(w, capfd):
    w.runCell("@interact\ndef g(k=(0, 10)):\n    print('k is', k)\n    return k * 2")
    [event] = made(w)
    status, shown = run(w, event["id"], {"k": 7})
    assert status == "ok" and "k is 7" in capfd.readouterr().out
    assert [e["data"]["text/plain"] for e in shown if e["type"] == "result"] == ["14"]


def test_a_bad_value_and_an_error_in_the_function_show_as_errors(w):
    w.runCell("@interact\ndef h(x=3):\n    return 1 / x")
    [event] = made(w)
    status, shown = run(w, event["id"], {"x": "1 +"})
    assert status == "error"
    [error] = [e for e in shown if e["type"] == "error"]
    assert error["evalue"].startswith("The value of x '1 +' could not be used: SyntaxError")
    status, shown = run(w, event["id"], {"x": "0"})
    [error] = [e for e in shown if e["type"] == "error"]
    assert status == "error" and error["ename"] == "ZeroDivisionError"
    assert "interact.py" not in error["traceback"] and "controls.py" not in error["traceback"]


def test_a_cell_that_runs_again_forgets_its_interacts_and_the_others_stay(w):
    w.op_execute({"op": "execute", "id": 1, "tag": 1, "code": "interact(lambda a=1: a)"})
    w.op_execute({"op": "execute", "id": 2, "tag": 2, "code": "interact(lambda b=1: b)"})
    first, second = made(w)
    w.op_execute({"op": "execute", "id": 3, "tag": 1, "code": "1"})
    status, shown = run(w, first["id"], {})
    assert status == "error" and shown[0]["ename"] == "InteractGone"
    assert run(w, second["id"], {"b": "5"})[0] == "ok"


def test_auto_update_false_layouts_and_controls_given_by_name(w):
    w.runCell("def f(a, b=2, auto_update=False):\n    return a\n"
              "interact(f, layout={'bottom': [['b', 'a']]}, a=slider([10, 20]))")
    [event] = made(w)
    assert event["auto"] is False
    assert [c["name"] for c in event["controls"]] == ["a", "b"], "auto_update is no control"
    assert event["layout"] == {"bottom": [["b", "a"]]}
    assert w.runCell("interact(lambda a=1: a, b=2)") == "error"
    assert "has no argument b" in events(w)[-1]["evalue"]


def test_an_argument_without_a_default_is_an_empty_text_box(w):
    w.runCell("@interact\ndef f(expr):\n    return expr")
    [event] = made(w)
    assert event["controls"][0]["kind"] == "input_box" and event["values"] == {"expr": ""}
    assert run(w, event["id"], {"expr": "6*7"})[1][-1]["data"]["text/plain"] == "42"


def test_no_interact_inside_an_interact(w):
    w.runCell("@interact\ndef f(n=1):\n    interact(lambda m=1: m)")
    [event] = made(w)
    status, shown = run(w, event["id"], {})
    assert status == "error" and "while another interact" in shown[-1]["evalue"]


def test_the_controls_and_color_are_in_the_namespace():
    names = worker.Worker(FakeChannel(), "python", ".", {}).namespace
    for name in list(controls.CONTROLS) + ["interact", "Color"]:
        assert callable(names[name]), name


def test_input_inside_an_interact_says_to_use_a_text_box(w):
    w.namespace["input"] = w.input  # as the worker's main() makes the builtin
    w.runCell("@interact\ndef f(n=1):\n    return input('name? ')")
    [event] = made(w)
    status, shown = run(w, event["id"], {})
    assert status == "error" and shown[-1]["ename"] == "NoStdinError"
    assert "input_box" in shown[-1]["evalue"]
