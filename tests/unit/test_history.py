"""History on a live worksheet: who changed what, restoring a version or a cell as new changes
every viewer is told, the diff between two versions. Code: athena_nb/history.py,
athena_nb/historydiff.py.
"""

import pytest

from athena_nb import history, historydiff, ot
from athena_nb.history import HistoryError
from athena_nb.store import StoreError
from tests.support.notebook import NotebookEnv
from tests.unit.test_hub import openHub, stored, viewers


@pytest.fixture
def env():
    return NotebookEnv()


def texts(env, sheet):
    return [c.text for c in stored(env, sheet).cells]


def last(env, hub):
    return env.run(env.store.history_info(hub.worksheetId))["last"]


def test_edits_are_logged_with_the_name_of_who_typed_them(env):
    sheet, hub = openHub(env, cells=("a",))
    viewers(hub, "Ann", "Bob")
    cell = hub.cells[0]
    env.run(hub.edit(cell.id, ot.Operation.insert(1, "b"), 0, "ann"))
    env.run(hub.edit(cell.id, ot.Operation.insert(2, "c"), 1, "bob"))
    env.run(hub.insertCell(1, text="new", who="Bob"))
    past = env.run(env.store.history_at(sheet.id, 1))
    assert [(c["text"], c["by"]) for c in past["cells"]] == [("ab", "Ann")]
    now = env.run(env.store.history_at(sheet.id, 3))
    assert [(c["text"], c["by"]) for c in now["cells"]] == [("abc", "Bob"), ("new", "Bob")]


def test_restoring_a_version_is_new_changes_every_viewer_is_told(env):
    sheet, hub = openHub(env, cells=("one", "two", "three"))
    ann, bob = viewers(hub, "Ann", "Bob")
    first, second, third = hub.cells
    env.run(hub.edit(first.id, ot.Operation.insert(3, "!"), 0, "ann"))  # version 1
    env.run(hub.edit(second.id, ot.Operation.delete(0, 3), 0, "bob"))
    env.run(hub.setKind(second.id, "text", "Bob"))
    env.run(hub.deleteCell(third.id, "Bob"))
    added = env.run(hub.insertCell(0, text="added", who="Bob"))
    env.run(hub.moveCell(first.id, index=2, who="Ann"))
    env.run(hub.setTitle("Renamed", "Ann"))
    before = last(env, hub)
    bob.events.clear()
    newLast = env.run(history.restoreVersion(hub, 1, "Ann"))
    assert texts(env, sheet) == ["one!", "two", "three"]
    assert [c.kind.value for c in hub.cells] == ["code", "code", "code"]
    assert [c.text for c in hub.cells] == ["one!", "two", "three"] and hub.title == "Sheet"
    # Bob was told every step live: the title, the edit, the kind, the deleted and new cells.
    kinds = {e[0] for e in bob.events}
    assert {"title", "text", "kind", "removed", "inserted"} <= kinds
    assert ("removed", added) in bob.events
    # The restore is itself history, by the one who restored, and can be undone the same way.
    assert newLast > before
    now = env.run(env.store.history_at(sheet.id, newLast))
    assert {c["by"] for c in now["cells"] if c["text"] in ("two", "three")} == {"Ann"}
    env.run(history.restoreVersion(hub, before, "Bob"))
    assert texts(env, sheet) == ["added", "", "one!"]


def test_restoring_one_cell_leaves_the_others(env):
    sheet, hub = openHub(env, cells=("x = 1", "y = 2"))
    (bob,) = viewers(hub, "Bob")
    first, second = hub.cells
    env.run(hub.edit(first.id, ot.Operation.insert(5, "0"), 0, "bob"))
    env.run(hub.edit(second.id, ot.Operation.insert(5, "0"), 0, "bob"))
    env.run(history.restoreCell(hub, 0, first.id, "Ann"))
    assert texts(env, sheet) == ["x = 1", "y = 20"]
    env.run(hub.deleteCell(second.id, "Bob"))
    newId = env.run(history.restoreCell(hub, 2, second.id, "Ann"))
    assert texts(env, sheet) == ["x = 1", "y = 20"] and newId != second.id
    with pytest.raises(HistoryError, match=f"Cell {newId} was not in this worksheet at version 1"):
        env.run(history.restoreCell(hub, 1, newId, "Ann"))
    with pytest.raises(StoreError, match="there is no version 99"):
        env.run(history.restoreCell(hub, 99, first.id, "Ann"))


def test_a_snapshot_keeps_the_outputs_of_the_moment(env):
    sheet, hub = openHub(env, cells=("x",))
    hub.cells[0].outputs.append({"type": "stream", "name": "stdout", "text": "hi\n"})
    named = env.run(history.snapshotWithOutputs(hub, "before the exam", "Ann"))
    kept = env.run(env.store.named_outputs(sheet.id, named["id"]))
    assert kept["outputs"] == {str(hub.cells[0].id): [
        {"type": "stream", "name": "stdout", "text": "hi\n"}]}


def test_the_diff_is_per_cell_and_per_line():
    old = {"cells": [{"id": 1, "kind": "code", "text": "a\nb"},
                     {"id": 2, "kind": "code", "text": "gone"},
                     {"id": 3, "kind": "code", "text": "same"}]}
    new = {"cells": [{"id": 1, "kind": "code", "text": "a\nc"},
                     {"id": 3, "kind": "code", "text": "same"},
                     {"id": 4, "kind": "text", "text": "new"}]}
    got = [(e["id"], e["status"], e["lines"]) for e in historydiff.diff(old, new)]
    assert got == [(1, "changed", [[" ", "a"], ["-", "b"], ["+", "c"]]),
                   (2, "removed", [["-", "gone"]]),
                   (3, "same", []),
                   (4, "added", [["+", "new"]])]
    moved = historydiff.diff(old, {"cells": [old["cells"][2], old["cells"][0]]})
    assert [(e["id"], e["status"]) for e in moved] == [(3, "moved"), (1, "same"), (2, "removed")]


def test_an_idle_worksheet_that_closes_gets_its_old_typing_compacted(env):
    sheet, hub = openHub(env, cells=("",))
    (ann,) = viewers(hub, "Ann")
    cell = hub.cells[0]
    for i, letter in enumerate("hello"):
        env.run(hub.edit(cell.id, ot.Operation.insert(i, letter), i, "ann"))
        env.clock.advance(1)
    assert last(env, hub) == 5
    hub.removeViewer(ann)
    env.clock.advance(60)  # it closes, but its typing is not an hour old yet: all stays
    env.settle()
    assert env.hubs.get(sheet.id) is None and len(rows(env, sheet)) == 5
    env.clock.advance(4000)
    hub = env.run(env.hubs.open(sheet.id))
    env.clock.advance(60)
    env.settle()
    assert rows(env, sheet) == [5]  # one minute of Ann's typing in one cell: one version
    assert env.run(env.store.history_at(sheet.id, 5))["cells"][0]["text"] == "hello"


def rows(env, sheet):
    return [v for (v,) in env.writer._conn.execute(
        "SELECT version FROM history WHERE worksheet_id = ?", (sheet.id,))]
