"""Interacts through the hub: the first run after the cell, runs on changes with the latest value
winning, outputs in the interact's own area, values stored, an interact that dies with its
kernel, and what viewers may not do (athena_nb/interacts.py, interactmodel.py).

Deterministic: a Clock, a manual store and a real kernel whose worker the test plays
(tests/support/notebook.py).
"""

import pytest

from athena_nb.hub import BadRequest
from athena_nb.interactmodel import clean, fromStored, publicHTML, storedPayload
from athena_nb.store import RunState
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub import RecordingViewer


@pytest.fixture
def env():
    return NotebookEnv(lingerSeconds=30.0, outputFlushSeconds=0.2)


def interactEvent(session, iid="i-1", auto=True, **values):
    return {"type": "interact", "id": iid, "session": session, "name": "f", "auto": auto,
            "controls": [
                {"name": "n", "kind": "slider", "label": "n", "n": 11,
                 "labels": [str(k) for k in range(11)], "readout": True},
                {"name": "on", "kind": "checkbox", "label": "on"},
                {"name": "s", "kind": "input_box", "label": "$s^2$", "width": 80, "height": 1},
                {"name": "note", "kind": "text", "label": "note", "text": "**hi**"}],
            "layout": {"top": [["n", "on"], ["s"], ["note"]]},
            "values": {"n": 3, "on": True, "s": "x", **values}}


def withInteract(env, auto=True, cells=("@interact ...", "later = 1", "x")):
    """A hub whose first cell made an interact and finished; the interact's first run is
    sent to the worker.  Returns (sheet, hub, viewer, cell)."""
    sheet = env.worksheet("Interact", cells)
    hub = env.run(env.hubs.open(sheet.id))
    viewer = RecordingViewer("v")
    viewer.hub = hub
    hub.addViewer(viewer, "Ann", "owner")
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    env.worker.event(interactEvent(env.kernel.info["session"], auto=auto))
    env.worker.print("after\n")
    env.worker.done("ok")
    env.settle()
    return sheet, hub, viewer, cell


def requests(env, op="interact"):
    return [m for m in env.worker.sent if m["op"] == op]


def shown(cell, iid="i-1"):
    return next(e for e in cell.outputs if e.get("id") == iid)


def test_an_interact_runs_after_its_cell_and_shows_its_output_in_its_own_area(env):
    sheet, hub, viewer, cell = withInteract(env)
    assert cell.state is RunState.DONE
    [first] = requests(env)
    assert first["interact"] == "i-1" and first["values"] == {"n": 3, "on": True, "s": "x"}
    assert hub.interacts.stateOf("i-1") == "running"
    env.worker.print("n is 3\n")
    env.worker.done("ok")
    env.settle()
    event = shown(cell)
    assert event["outputs"] == [{"type": "stream", "name": "stdout", "text": "n is 3\n"}]
    assert [e["type"] for e in cell.outputs] == ["interact", "stream"], "the cell's own output"
    assert event["ranSeq"] == 0 and hub.interacts.stateOf("i-1") == "idle"
    assert ("interact", cell.id, "i-1") in viewer.events
    assert "<math" in event["controls"][2]["labelHTML"], "labels with maths are typeset"
    assert "<strong>hi</strong>" in event["controls"][3]["html"]


def test_a_fast_drag_runs_at_the_kernel_s_pace_and_the_latest_value_wins(env):
    """While a run is running, changes mark one more run; that run is sent the values as they
    are when it starts; nothing queues up."""
    sheet, hub, viewer, cell = withInteract(env)
    for n in range(10):
        hub.interacts.change(cell.id, "i-1", {"n": n}, "Ann")
    env.settle()
    assert len(requests(env)) == 1, "the first run still runs: nothing more is sent"
    hub.interacts.change(cell.id, "i-1", {"n": 7}, "Carla")
    env.worker.print("first\n")
    env.worker.done("ok")
    env.settle()
    assert [r["values"]["n"] for r in requests(env)] == [3, 7]
    assert shown(cell)["values"]["n"] == 7 and shown(cell)["by"] == "Carla"
    assert shown(cell)["outputs"][0]["text"] == "first\n", "the old output stays until new comes"
    env.worker.print("second\n")
    assert shown(cell)["outputs"][0]["text"] == "second\n"
    env.worker.done("ok")
    env.settle()
    assert len(requests(env)) == 2, "no change since: no third run"
    assert shown(cell)["ranSeq"] == shown(cell)["seq"] == 11


def test_a_queued_run_reads_the_values_when_it_is_sent_and_goes_ahead_of_queued_cells(env):
    sheet, hub, viewer, cell = withInteract(env)
    env.worker.done("ok")  # the first run
    env.settle()
    hub.run(hub.cells[1].id, "Ann")
    hub.run(hub.cells[2].id, "Ann")
    env.settle()
    assert env.worker.running["code"] == "later = 1"
    for n in (4, 5, 6):
        hub.interacts.change(cell.id, "i-1", {"n": n}, "Ann")
    assert hub.interacts.stateOf("i-1") == "queued"
    env.worker.done("ok")
    env.settle()
    assert env.worker.running["op"] == "interact", "ahead of the cell queued before it"
    assert env.worker.running["values"]["n"] == 6 and len(requests(env)) == 2
    env.worker.done("ok")
    env.settle()
    assert env.worker.running["code"] == "x"


def test_values_and_outputs_are_stored_and_come_back_with_the_worksheet(env):
    sheet, hub, viewer, cell = withInteract(env)
    env.worker.print("one\n")
    env.worker.done("ok")
    env.settle()
    hub.interacts.change(cell.id, "i-1", {"n": 9, "s": "y + 1"}, "Ann")
    env.worker.print("nine\n")
    env.worker.done("ok")
    env.later(0.3)
    [stored] = [o for o in env.run(env.store.load_worksheet(sheet.id)).cells[0].outputs
                if o.kind == "display"]
    assert stored.payload["data"]["text/plain"] == "Interact f: n = 9, on = on, s = y + 1"
    hub.removeViewer(viewer)
    env.run(hub.close())
    again = env.run(env.hubs.open(sheet.id))
    event = shown(again.cells[0])
    assert event["values"] == {"n": 9, "on": True, "s": "y + 1"} and event["seq"] == 1
    assert event["outputs"] == [{"type": "stream", "name": "stdout", "text": "nine\n"}]
    assert not again.interacts.live(event), "a new server has a new kernel"
    with pytest.raises(BadRequest, match="has stopped"):
        again.interacts.change(again.cells[0].id, "i-1", {"n": 1}, "Ann")


def test_after_a_restart_the_interact_is_dead_and_refuses_changes(env):
    sheet, hub, viewer, cell = withInteract(env)
    env.worker.done("ok")
    env.settle()
    assert hub.interacts.live(shown(cell))
    viewer.events.clear()
    env.run(hub.restart())
    env.settle()
    assert not hub.interacts.live(shown(cell))
    assert ("interact", cell.id, "i-1") in viewer.events, "its viewers hear it is dead"
    with pytest.raises(BadRequest, match="run its cell again"):
        hub.interacts.change(cell.id, "i-1", {"n": 1}, "Ann")
    assert shown(cell)["values"]["n"] == 3, "nothing changed"


@pytest.mark.parametrize("values, message", [
    ({"n": 11}, "n takes a position from 0 to 10"),
    ({"n": "3"}, "n takes a position"),
    ({"on": 1}, "on takes true or false"),
    ({"s": ["x"]}, "s takes text"),
    ({"note": "x"}, "it has no value to set"),
    ({"zz": 1}, "no control 'zz'"),
    ({}, "at least one control"),
])
def test_a_bad_change_is_refused_and_changes_nothing(env, values, message):
    sheet, hub, viewer, cell = withInteract(env)
    before = shown(cell)
    with pytest.raises(BadRequest, match=message):
        hub.interacts.change(cell.id, "i-1", values, "Ann")
    assert shown(cell) is before


def test_without_auto_update_a_change_waits_for_update(env):
    sheet, hub, viewer, cell = withInteract(env, auto=False)
    env.worker.done("ok")
    env.settle()
    hub.interacts.change(cell.id, "i-1", {"n": 5}, "Ann")
    env.settle()
    assert len(requests(env)) == 1 and shown(cell)["ranSeq"] == 0 and shown(cell)["seq"] == 1
    hub.interacts.update(cell.id, "i-1", "Ann")
    env.settle()
    assert requests(env)[-1]["values"]["n"] == 5
    env.worker.done("ok")
    env.settle()
    assert shown(cell)["ranSeq"] == 1


def test_a_cell_run_again_drops_its_interacts_once_it_starts(env):
    """As its other outputs, a cell's controls stay while it waits in the queue (as in
    Jupyter), and go when it runs again."""
    sheet, hub, viewer, cell = withInteract(env)
    hub.run(hub.cells[1].id, "Ann")  # queued behind the interact's first run
    hub.run(cell.id, "Ann")
    env.settle()
    assert any(e["type"] == "interact" for e in cell.outputs), "kept while it waits"
    env.worker.done("ok")  # the interact's run ends
    env.settle()
    assert requests(env, "execute")[-1]["tag"] == hub.cells[1].id
    env.worker.done("ok")
    env.settle()
    assert requests(env, "execute")[-1]["tag"] == cell.id
    assert all(e["type"] != "interact" for e in cell.outputs), "gone as it runs again"
    with pytest.raises(BadRequest, match="no longer in its cell"):
        hub.interacts.change(cell.id, "i-1", {"n": 1}, "Ann")


def test_interrupt_cancels_queued_runs_and_a_clear_waits_for_the_next_output(env):
    sheet, hub, viewer, cell = withInteract(env)
    env.worker.print("old\n")
    env.worker.done("ok")
    env.settle()
    hub.run(hub.cells[1].id, "Ann")
    env.settle()
    hub.interacts.change(cell.id, "i-1", {"n": 1}, "Ann")
    env.run(hub.interrupt())
    env.settle()
    assert len(requests(env)) == 1 and hub.interacts.stateOf("i-1") == "idle"
    assert shown(cell)["outputs"][0]["text"] == "old\n", "a cancelled run leaves the output"
    hub.interacts.update(cell.id, "i-1", "Ann")
    env.settle()
    env.worker.event({"type": "clear", "wait": True})
    assert shown(cell)["outputs"][0]["text"] == "old\n"
    env.worker.event({"type": "display", "data": {"text/plain": "new"}})
    env.worker.event({"type": "interact", **interactEvent("x", iid="i-2")})
    env.worker.done("ok")
    env.settle()
    assert [e["type"] for e in shown(cell)["outputs"]] == ["display", "notice"]
    assert "cannot show another interact" in shown(cell)["outputs"][1]["text"]


def test_a_run_that_shows_nothing_leaves_nothing_and_a_dead_kernel_says_so(env):
    sheet, hub, viewer, cell = withInteract(env)
    env.worker.print("something\n")
    env.worker.done("ok")
    env.settle()
    hub.interacts.change(cell.id, "i-1", {"n": 1}, "Ann")
    env.settle()
    env.worker.done("ok")
    env.settle()
    assert shown(cell)["outputs"] == []
    hub.interacts.change(cell.id, "i-1", {"n": 2}, "Ann")
    env.settle()
    env.worker.exit(sig=9)
    env.settle()
    [notice] = shown(cell)["outputs"]
    assert notice["type"] == "notice" and "killed" in notice["text"]
    assert not hub.busy or hub.kernel is None


def test_the_stored_form_and_the_published_form(env):
    event = clean(dict(interactEvent("s"), seq=2, ranSeq=2, by="Carla",
                       outputs=[{"type": "stream", "name": "stdout", "text": "<b>"}]))
    payload = storedPayload(event)
    assert fromStored(payload) == event
    html = publicHTML(event, lambda o: "<pre>%s</pre>" % o["text"].replace("<", "&lt;"))
    assert '<span class="public-value">3</span>' in html and "<pre>&lt;b></pre>" in html
    assert "<strong>hi</strong>" in html and "<math" in html


@pytest.mark.parametrize("broken", [
    {"id": "", "session": "s", "controls": []},
    {"id": "a", "session": "s", "controls": "nope"},
    {"id": "a", "session": "s", "controls": [{"name": "n", "kind": "slider", "n": 0}]},
])
def test_a_malformed_interact_from_the_kernel_is_dropped_or_loses_its_bad_controls(broken):
    event = clean(dict(broken, type="interact"))
    assert event is None or event["controls"] == []


def test_values_that_do_not_fit_take_their_control_s_first_and_layouts_are_checked():
    event = clean(interactEvent("s", n=99, on="yes"))
    assert event["values"] == {"n": 0, "on": False, "s": "x"}
    odd = clean(dict(interactEvent("s"), layout={"top": [["n", "zz"]]}))
    assert odd["layout"] == {"top": [["n"], ["on"], ["s"], ["note"]]}


def test_an_interact_made_after_clear_output_wait_clears_the_cell_first(env):
    sheet = env.worksheet("Clear", ["clear_output(wait=True); interact(...)"])
    hub = env.run(env.hubs.open(sheet.id))
    cell = hub.cells[0]
    hub.run(cell.id, "Ann")
    env.settle()
    env.worker.print("old\n")
    env.worker.event({"type": "clear", "wait": True})
    env.worker.event(interactEvent(env.kernel.info["session"]))
    env.worker.print("after\n")
    env.worker.done("ok")
    env.settle()
    assert [e["type"] for e in cell.outputs] == ["interact", "stream"]


def test_an_interact_counts_in_the_worksheet_s_size_and_its_output_stops_at_the_quota():
    from athena_nb.quotas import QuotaExceeded, Quotas

    env = NotebookEnv()
    env.hubs.quotas = Quotas(maxChars=3_000)
    sheet, hub, viewer, cell = withInteract(env)
    held = cell.outputChars
    assert held > 300, "its controls count"
    env.worker.print("x" * 500)
    assert cell.outputChars == held + 500
    env.worker.print("y" * 5_000)
    env.worker.print("y" * 5_000)
    env.worker.print("z" * 10)
    env.worker.done("ok")
    env.settle()
    outputs = shown(cell)["outputs"]
    assert [e["type"] for e in outputs] == ["stream", "notice", "stream"], outputs
    assert outputs[0]["text"] == "x" * 500 and outputs[2]["text"] == "z" * 10, "what fits"
    assert "make room" in outputs[1]["text"]
    with pytest.raises(QuotaExceeded):
        hub.interacts.change(cell.id, "i-1", {"s": "w" * 5_000}, "Ann")
    assert shown(cell)["values"]["s"] == "x"
