"""Interacts through the real site: each interact a live fragment in every viewer's page, a change
reaching every viewer as a latest value, a viewer refused, a page opened later seeing the same
state (athena_nb/web/interactfragment.py).

Each viewer is a ``livefragments.client`` page over in-memory HTTP on a Clock; the kernels are
real, their workers scripted (tests/support/notebook.py).
"""

import pytest

from livefragments import Settings
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub_web import together
from tests.unit.test_interacts import interactEvent

SETTLE_DELAY = Settings().settleSeconds


@pytest.fixture
def env():
    return NotebookEnv()


def madeInteract(env, pages, hub):
    """Ann runs cell 1, which makes an interact; its first run prints "n=3"."""
    ann = pages[0]
    env.call(ann.cells[0].callRemote("run"))
    env.settle()
    env.worker.event(interactEvent(env.kernel.info["session"]))
    env.worker.done("ok")
    env.settle()
    env.worker.print("n=3\n")
    env.worker.done("ok")
    env.later(SETTLE_DELAY)


def interactOf(page):
    [interact] = page.cells[0].interacts()
    return interact


def test_every_viewer_gets_the_interact_and_sees_a_change_and_its_output(env):
    sheet, pages, hub = together(env)
    madeInteract(env, pages, hub)
    ann, carla, vic = (interactOf(p) for p in pages)
    for each in (ann, carla, vic):
        assert each.values == {"n": 3, "on": True, "s": "x"} and each.streamText() == "n=3\n"
        assert each.state["live"] is True and each.state["state"] == "idle"
    assert env.call(carla.callRemote("change", {"n": 7})) == 1
    env.settle()
    for each in (ann, carla, vic):
        assert each.values["n"] == 7 and each.state["by"] == "Carla"
        assert each.state["state"] == "running"
    env.worker.print("n=7\n")
    env.worker.done("ok")
    env.later(SETTLE_DELAY)
    for each in (ann, carla, vic):
        assert each.streamText() == "n=7\n" and each.state["ranSeq"] == 1


def test_a_read_only_viewer_cannot_move_a_control_nor_press_update(env):
    sheet, pages, hub = together(env)
    madeInteract(env, pages, hub)
    vic = interactOf(pages[2])
    for call in (vic.callRemote("change", {"n": 1}), vic.callRemote("update")):
        error = env.call(call)
        assert error.type == "NotAllowed" and "read-only" in str(error)
    assert interactOf(pages[0]).values["n"] == 3


def test_a_page_opened_later_sees_the_last_values_and_output(env):
    sheet, pages, hub = together(env)
    madeInteract(env, pages, hub)
    env.call(interactOf(pages[0]).callRemote("change", {"n": 9, "on": False}))
    env.worker.print("n=9\n")
    env.worker.done("ok")
    env.later(SETTLE_DELAY)
    _, late = env.open(sheet.id, env.owner())
    interact = interactOf(late)
    assert interact.values == {"n": 9, "on": False, "s": "x"} and interact.streamText() == "n=9\n"
    assert interact.args[0]["index"] == 0 and interact.args[0]["canEdit"] is True


def test_a_fast_drag_by_one_viewer_reaches_another_as_few_messages(env):
    """The values are a latest value of each viewer's page: ten changes before the page
    sends reach it as one message with the newest."""
    sheet, pages, hub = together(env)
    madeInteract(env, pages, hub)
    vic = interactOf(pages[2])
    before = len(vic.valueUpdates)
    for n in range(10):
        hub.interacts.change(hub.cells[0].id, "i-1", {"n": n}, "Ann")
    env.later(SETTLE_DELAY)
    assert vic.values["n"] == 9
    assert [u["values"]["n"] for u in vic.valueUpdates[before:]] == [9]


def test_running_the_cell_again_replaces_its_interacts_in_every_page(env):
    sheet, pages, hub = together(env)
    madeInteract(env, pages, hub)
    old = interactOf(pages[1])
    env.call(pages[0].cells[0].callRemote("run"))
    env.settle()
    env.worker.event(interactEvent(env.kernel.info["session"], iid="i-2"))
    env.worker.done("ok")
    env.later(SETTLE_DELAY)
    for page in pages:
        assert [i.iid for i in page.cells[0].interacts()] == ["i-2"]
    assert old.id not in pages[1].client.widgets, "the old interact's widget was detached"


def test_html_of_an_interact_s_output_is_served_by_its_place(env):
    sheet, pages, hub = together(env)
    madeInteract(env, pages, hub)
    env.call(interactOf(pages[0]).callRemote("change", {"n": 1}))
    env.worker.event({"type": "display", "data": {"text/html": "<p>hello</p>",
                                                   "text/plain": "p"}})
    env.worker.done("ok")
    env.later(SETTLE_DELAY)
    cellId = hub.cells[0].id
    owner = env.owner()
    page = owner.get(f"/worksheets/{sheet.id}/outputs/{cellId}/0-0.html")
    assert page.code == 200 and b"<p>hello</p>" in page.body
    assert owner.get(f"/worksheets/{sheet.id}/outputs/{cellId}/0-1.html").code == 404
    assert owner.get(f"/worksheets/{sheet.id}/outputs/{cellId}/1-0.html").code == 404


def test_a_cell_sends_only_the_interact_s_place_and_files_its_runs_make_are_served(env):
    import os

    sheet, pages, hub = together(env)
    madeInteract(env, pages, hub)
    assert pages[1].cells[0].outputs == [{"type": "interact", "id": "i-1", "n": 0}]
    env.call(interactOf(pages[0]).callRemote("change", {"n": 2}))
    with open(os.path.join(hub.directory, "plot.png"), "wb") as f:
        f.write(b"\x89PNG...")
    env.worker.done("ok", [{"type": "file", "path": "plot.png", "change": "created"}])
    env.later(SETTLE_DELAY)
    assert interactOf(pages[1]).outputs == [
        {"type": "file", "path": "plot.png", "change": "created", "n": 0}]
    answer = env.owner().get(f"/worksheets/{sheet.id}/files/{hub.cells[0].id}/plot.png")
    assert answer.code == 200 and answer.body == b"\x89PNG..."
