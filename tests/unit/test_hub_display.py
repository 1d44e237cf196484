"""Displays updated in place and clear_output, through the hub, the store and every viewer.

Deterministic: viewers are ``livefragments.client`` pages over in-memory HTTP on a Clock, the
kernel is real and its worker scripted (tests/support/notebook.py), the store commits when the
test settles.
"""

import pytest

from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_web import together
from tests.unit.test_hub_web_run import updates  # noqa: F401 - a fixture


def values(made):
    """The values of the updates sent to viewers, in order."""
    return [update.value for _, update in made]


@pytest.fixture
def env():
    return NotebookEnv()


def display(text, displayId="bar", kind="display"):
    return {"type": kind, "data": {"text/plain": text}, "displayId": displayId}


def stored(env, sheet, index=0):
    cell = env.run(env.store.load_worksheet(sheet.id)).cells[index]
    return [(o.kind, o.payload) for o in cell.outputs]


def shown(page, index=0):
    return [(e["type"], e.get("data", {}).get("text/plain") or e.get("text"))
            for e in page.cells[index].outputs]


def test_an_update_replaces_the_display_for_every_viewer_and_in_the_store(env, updates):  # noqa: F811
    """display(..., display_id) then update_display: each viewer's output is replaced where it
    stands (no reset of the other outputs), the store keeps only the newest, and a viewer that
    opens the worksheet afterwards sees the newest."""
    sheet, pages, hub = together(env, ["progress"])
    env.call(pages[0].cells[0].callRemote("run"))
    env.worker.event(display("0%"))
    env.worker.print("working\n")
    env.later(0.5)
    generation = hub.cells[0].generation
    updates.clear()
    env.worker.event(display("50%", kind="update"))
    env.later(0.5)
    for page in pages:
        assert shown(page) == [("display", "50%"), ("stream", "working\n")], page.viewerId
    replacing = [u for u in values(updates) if "replace" in u]
    assert len(replacing) == 3 and len({id(u) for u in replacing}) == 1, (
        "one update, encoded once for the three viewers")
    assert replacing[0]["generation"] == generation and replacing[0]["outputs"] == []
    assert replacing[0]["replace"] == [dict(display("50%"), n=0)]
    env.worker.event(display("100%", kind="update"))
    env.worker.done()
    env.settle()
    for page in pages:
        assert shown(page) == [("display", "100%"), ("stream", "working\n")]
        assert page.cells[0].generation == generation, "replaced, not reset"
    assert stored(env, sheet) == [
        ("display", {"data": {"text/plain": "100%"}, "displayId": "bar"}),
        ("stream", {"name": "stdout", "text": "working\n"})]
    late = env.open(sheet.id, env.owner())[1]
    assert shown(late) == [("display", "100%"), ("stream", "working\n")]


def test_an_update_from_another_cell_replaces_the_display_where_it_is(env):
    """As in Jupyter, a display id is the worksheet's: a later cell updates an earlier cell's
    output, for every viewer and in the store; the later cell shows nothing for it."""
    sheet, pages, hub = together(env, ["make", "update"])
    env.call(pages[0].cells[0].callRemote("run"))
    env.worker.event(display("first"))
    env.worker.done()
    env.settle()
    env.call(pages[1].cells[1].callRemote("run"))
    env.worker.event(display("second", kind="update"))
    env.worker.event(display("unknown", displayId="nobody", kind="update"))
    env.worker.done()
    env.settle()
    for page in pages:
        assert shown(page, 0) == [("display", "second")]
        assert shown(page, 1) == []
    env.later(0.5)  # the finished cell's outputs are stored with the next batch
    assert stored(env, sheet, 0) == [("display", {"data": {"text/plain": "second"},
                                                  "displayId": "bar"})]


def test_displaying_an_id_again_shows_it_again_and_updates_the_others(env):
    sheet, pages, hub = together(env, ["twice"])
    env.call(pages[0].cells[0].callRemote("run"))
    env.worker.event(display("a"))
    env.worker.event(display("b"))
    env.worker.done()
    env.settle()
    for page in pages:
        assert shown(page) == [("display", "b"), ("display", "b")]


def test_a_slow_viewer_gets_the_replacement_with_the_outputs_it_lacks(env):
    """A viewer that missed several changes gets, in one update, the outputs it lacks and the
    earlier ones replaced since it was last sent."""
    sheet, pages, hub = together(env, ["mixed"])
    env.call(pages[0].cells[0].callRemote("run"))
    env.worker.event(display("old"))
    env.later(0.5)
    ann = pages[0]
    ann.cells[0].update({"generation": hub.cells[0].generation, "start": 1, "outputs": [],
                         "run": hub.cells[0].runInfo()})  # what it has stays right
    env.worker.event(display("new", kind="update"))
    env.worker.print("more\n")
    env.worker.done()
    env.settle()
    assert shown(ann) == [("display", "new"), ("stream", "more\n")]


def test_clear_output_wait_in_a_loop_ends_with_one_output(env, updates):  # noqa: F811
    """clear_output(wait=True) then print, five times: the clear happens when the next output
    comes, so viewers never see an empty cell between, and the cell ends with the last line,
    also in the store."""
    sheet, pages, hub = together(env, ["loop"])
    env.call(pages[0].cells[0].callRemote("run"))
    env.worker.print("first\n")
    env.later(0.5)
    updates.clear()
    for i in range(5):
        env.worker.event({"type": "clear", "wait": True})
        assert len(hub.cells[0].outputs) == 1, "nothing is cleared before the next output"
        env.worker.print(f"step {i}\n")
        env.later(0.5)
    env.worker.done()
    env.settle()
    for page in pages:
        assert shown(page) == [("stream", "step 4\n")]
    resets = [u for u in values(updates) if u["start"] == 0]
    assert resets and all(u["outputs"] for u in resets), "no viewer was ever sent an empty cell"
    assert stored(env, sheet) == [("stream", {"name": "stdout", "text": "step 4\n"})]


def test_clear_output_without_wait_clears_at_once_and_a_waiting_clear_without_output_does_not(env):
    sheet, pages, hub = together(env, ["clear"])
    env.call(pages[0].cells[0].callRemote("run"))
    env.worker.print("gone\n")
    env.worker.event({"type": "clear", "wait": False})
    env.later(0.5)
    assert shown(pages[2]) == []
    env.worker.print("kept\n")
    env.worker.event({"type": "clear", "wait": True})
    env.worker.done()
    env.settle()
    for page in pages:
        assert shown(page) == [("stream", "kept\n")]
    assert stored(env, sheet) == [("stream", {"name": "stdout", "text": "kept\n"})]


def test_an_update_shows_markdown_and_mathematics_rendered_as_a_first_display_does(env):
    """update_display(Markdown(...)) and of Math(...): every viewer, and a page opened later,
    gets the HTML the server made of the new bundle, not its source."""
    sheet, pages, hub = together(env, ["updates"])
    env.call(pages[0].cells[0].callRemote("run"))

    def bundle(kind, displayId, mime, text):
        return {"type": kind, "data": {mime: text, "text/plain": text}, "displayId": displayId}

    env.worker.event(bundle("display", "md", "text/markdown", "first"))
    env.worker.event(bundle("display", "tex", "text/latex", "$x$"))
    env.worker.event(bundle("update", "md", "text/markdown", "**second**"))
    env.worker.event(bundle("update", "tex", "text/latex", r"$\frac{1}{2}$"))
    env.worker.done()
    env.settle()
    late = env.open(sheet.id, env.owner())[1]
    for page in [*pages, late]:
        markdown, math = page.cells[0].outputs
        assert "<strong>second</strong>" in markdown["markdown"], markdown
        assert "<math" in math["math"] and "<mfrac>" in math["math"], math
