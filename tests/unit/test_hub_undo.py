"""Bringing a deleted cell back (athena_nb/deletions.py), and the execution count the kernel
gives a run, which its traceback names as ``<cell N>``; deterministic (tests/support/notebook.py:
a Clock, a manual store, a kernel whose worker the test plays)."""

import pytest

from athena_nb.hub import BadRequest
from athena_nb.store import CellKind, RunState
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub import RecordingViewer


@pytest.fixture
def env():
    return NotebookEnv()


def watched(env, cells=("a = 1", "print('b')", "c = 3")):
    sheet = env.worksheet("Undo", cells)
    hub = env.run(env.hubs.open(sheet.id))
    ann, bob = RecordingViewer("ann", "Ann"), RecordingViewer("bob", "Bob")
    hub.addViewer(ann, "Ann", "owner")
    hub.addViewer(bob, "Bob", "collaborator")
    return sheet, hub, ann, bob


def ran(env, hub, cell, *events):
    hub.run(cell.id, "Bob")
    env.settle()
    for event in events:
        env.worker.event(event)
    env.worker.done()
    env.settle()


def test_a_deleted_cell_comes_back_where_it_was_with_its_source_kind_and_outputs(env):
    sheet, hub, ann, bob = watched(env)
    a, b, c = hub.cells
    ran(env, hub, b, {"type": "stream", "name": "stdout", "text": "b\n"},
        {"type": "file", "path": "b.txt", "change": "created"},
        {"type": "display", "data": {"text/html": "<i>b</i>", "text/plain": "b"}})
    env.later(0.3)
    assert env.run(hub.deleteCell(b.id)) == b.id, "the answer names what to bring back"
    assert [x.id for x in hub.cells] == [a.id, c.id]
    new = env.run(hub.restoreCell(b.id))
    back = hub.cells[1]
    assert back.id == new != b.id and [x.id for x in hub.cells] == [a.id, new, c.id]
    assert (back.text, back.kind, back.state, back.count, back.ranBy) == (
        "print('b')", CellKind.CODE, RunState.DONE, 1, "Bob")
    assert [o["type"] for o in back.outputs] == ["stream", "file", "display"]
    assert back.outputs[0]["text"] == "b\n" and back.files == ["b.txt"]
    for viewer in (ann, bob):  # every viewer sees it go and come back, at its place
        assert [e[:3] for e in viewer.events if e[0] in ("removed", "inserted")] == [
            ("removed", b.id), ("inserted", 1, new)]
    saved = env.run(env.store.load_worksheet(sheet.id)).cells
    assert [x.id for x in saved] == [a.id, new, c.id]
    assert saved[1].text == "print('b')" and saved[1].execution_count == 1
    assert [o.kind for o in saved[1].outputs] == ["stream", "file", "display"]
    assert saved[1].files == ("b.txt",)
    with pytest.raises(BadRequest, match="cannot be brought back"):
        env.run(hub.restoreCell(b.id))  # once only


def test_a_text_cell_comes_back_as_text(env):
    sheet, hub, ann, bob = watched(env)
    first = hub.cells[0]
    env.run(hub.setKind(first.id, "text"))
    env.run(hub.deleteCell(first.id))
    new = env.run(hub.restoreCell(first.id))
    assert hub.cells[0].id == new and hub.cells[0].kind is CellKind.TEXT
    assert hub.cells[0].rendered() is not None


def test_deleting_the_last_cell_leaves_an_empty_one_and_z_brings_it_back_above(env):
    """As in Jupyter, a worksheet keeps a cell to type into; every viewer sees it come before
    the deletion's answer."""
    sheet, hub, ann, bob = watched(env, cells=("only = 1",))
    (only,) = hub.cells
    assert env.run(hub.deleteCell(only.id)) == only.id
    assert [(c.text, c.kind.value) for c in hub.cells] == [("", "code")]
    blank = hub.cells[0].id
    for viewer in (ann, bob):
        assert [e[:3] for e in viewer.events if e[0] in ("removed", "inserted")] == [
            ("removed", only.id), ("inserted", 0, blank)]
    assert [c.text for c in env.run(env.store.load_worksheet(sheet.id)).cells] == [""]
    env.run(hub.restoreCell(only.id))
    assert [c.text for c in hub.cells] == ["only = 1", ""]


def test_it_goes_below_the_cell_that_was_above_it_even_after_moves(env):
    sheet, hub, ann, bob = watched(env, cells=("0", "1", "2", "3"))
    c0, c1, c2, c3 = (c.id for c in hub.cells)
    env.run(hub.deleteCell(c2))
    env.run(hub.moveCell(c1, index=0))  # [1, 0, 3]
    new = env.run(hub.restoreCell(c2))
    assert [c.id for c in hub.cells] == [c1, new, c0, c3]
    # With the cell above gone too, it goes above the one that was below it.
    env.run(hub.deleteCell(c0))
    env.run(hub.deleteCell(new))
    back = env.run(hub.restoreCell(new))
    assert [c.id for c in hub.cells] == [c1, back, c3]
    # With neither neighbour left, at its old index.
    lone = env.run(hub.insertCell(text="x"))
    env.run(hub.deleteCell(c3))
    env.run(hub.deleteCell(lone))
    env.run(hub.deleteCell(back))
    again = env.run(hub.restoreCell(lone))
    assert [c.id for c in hub.cells][-1] == again


def test_a_cell_deleted_while_it_ran_comes_back_interrupted(env):
    sheet, hub, ann, bob = watched(env)
    cell = hub.cells[1]
    hub.run(cell.id, "Ann")
    env.settle()
    env.worker.print("so far\n")
    env.run(hub.deleteCell(cell.id))
    env.settle()
    new = env.run(hub.restoreCell(cell.id))
    back = hub.cell(new)
    assert back.state is RunState.INTERRUPTED and back.count == 1
    assert back.outputs[0]["text"] == "so far\n"


def test_unknown_ids_are_refused_with_a_sentence(env):
    sheet, hub, ann, bob = watched(env)
    for bad in (12345, "1", None):
        with pytest.raises(BadRequest, match="only the last 20 cells deleted"):
            env.run(hub.restoreCell(bad))


def test_the_worker_is_told_the_count_the_page_shows_also_after_it_died(env):
    """The kernel numbers its runs and the worker names the cell by that number (``<cell N>``
    in tracebacks): a worker started again after its predecessor died goes on counting, as the
    page does, instead of starting from 1."""
    sheet, hub, ann, bob = watched(env)
    a, b, c = hub.cells
    ran(env, hub, a)
    assert env.worker.lastExecute()["count"] == 1 and a.count == 1
    first = env.worker
    hub.run(b.id, "Ann")
    env.settle()
    first.exit(1)  # the worker dies while cell b runs
    env.settle()
    hub.run(c.id, "Ann")
    env.settle()
    assert env.worker is not first
    assert env.worker.lastExecute()["count"] == c.count == 3
    env.worker.done()
    env.settle()
    env.run(hub.restart())
    env.settle()
    hub.run(a.id, "Ann")
    env.settle()
    assert env.worker.lastExecute()["count"] == a.count == 1, "a restart counts from 1"
