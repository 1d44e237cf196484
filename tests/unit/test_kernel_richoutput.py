"""athena_nb/kernel/richoutput.py in this process: bundles, display ids, clears, IPython's names."""

import types

from athena_nb.kernel.richoutput import DisplayHandle, RichOutput, hasRichRepr, mimeBundle


def rich():
    events = []
    return RichOutput(events.append), events


def test_repr_methods_give_their_types_and_values_are_made_json():
    class Obj:
        def _repr_json_(self):
            return '{"a": 1}'  # a JSON string is parsed

        def _repr_svg_(self):
            return b"<svg/>"

        def _repr_png_(self):
            return b"PNG", {"width": 3}

        def _repr_jpeg_(self):
            return {"not": "an image"}  # neither bytes nor base64 text: dropped

        def __repr__(self):
            return "Obj()"

    data, metadata = mimeBundle(Obj())
    assert data == {"application/json": {"a": 1}, "image/svg+xml": "<svg/>",
                    "image/png": "UE5H", "text/plain": "Obj()"}
    assert metadata == {"image/png": {"width": 3}}
    assert mimeBundle(Obj(), include={"text/plain"})[0] == {"text/plain": "Obj()"}
    assert "image/png" not in mimeBundle(Obj(), exclude={"image/png"})[0]
    assert hasRichRepr(Obj()) and not hasRichRepr(Obj) and not hasRichRepr(3)


def test_a_display_id_gives_a_handle_whose_updates_name_it():
    out, events = rich()
    handle = out.display("x", display_id=True)
    assert isinstance(handle, DisplayHandle) and len(handle.display_id) == 16
    handle.update("y")
    handle.display("z")
    out.update_display("w", display_id="other")
    assert [(e["type"], e["data"]["text/plain"], e["displayId"]) for e in events] == [
        ("display", "'x'", handle.display_id), ("update", "'y'", handle.display_id),
        ("display", "'z'", handle.display_id), ("update", "'w'", "other")]
    assert out.display("plain") is None and "displayId" not in events[-1]


def test_an_empty_display_raw_bundles_and_clears():
    out, events = rich()
    out.display(display_id="slot")
    out.display({"text/html": "<b>h</b>", "text/plain": "h"}, raw=True, metadata={"m": 1})
    out.display("again", clear=True)
    out.clear_output()
    assert events == [
        {"type": "display", "data": {}, "displayId": "slot"},
        {"type": "display", "data": {"text/html": "<b>h</b>", "text/plain": "h"},
         "metadata": {"m": 1}},
        {"type": "clear", "wait": True},
        {"type": "display", "data": {"text/plain": "'again'"}},
        {"type": "clear", "wait": False}]


def test_ipython_display_and_a_result_that_shows_itself():
    out, events = rich()

    class Shows:
        def _ipython_display_(self):
            out.display("shown by itself")

    out.display(Shows())
    out.result(Shows())
    out.result(42)
    assert [(e["type"], e["data"]["text/plain"]) for e in events] == [
        ("display", "'shown by itself'"), ("display", "'shown by itself'"), ("result", "42")]


def test_ipython_names_are_rebound_where_they_live():
    out, _ = rich()
    module = types.SimpleNamespace(display=print, clear_output=print, other=print)
    out.patchIPython(module)
    assert module.display == out.display and module.clear_output == out.clear_output
    assert module.other is print
